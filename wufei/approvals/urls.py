from django.urls import path, re_path

from . import views

app_name = "approvals"
urlpatterns = [
    path("", views.approval_list, name="list"),
    path("new/", views.approval_create, name="create"),
    path("overdue/", views.overdue, name="overdue"),
    path("province-pairs/", views.pairs, name="pairs"),
    path("<int:pk>/", views.approval_detail, name="detail"),
    path("<int:pk>/edit/", views.approval_update, name="update"),
    path("<int:pk>/documents/new/", views.document_add, name="document_add"),
    path("<int:pk>/submit/", views.approval_submit, name="submit"),
    re_path(
        r"^(?P<pk>\d+)/(?P<name>accept|incomplete|review|reply|decide|withdraw)/$",
        views.step_page,
        name="step",
    ),
    path("documents/<int:pk>/", views.document_file, name="document_file"),
    path("documents/<int:pk>/remove/", views.document_remove, name="document_remove"),
]
