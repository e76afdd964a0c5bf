from django.urls import path

from . import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("new/", views.plan_create, name="plan_create"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/edit/", views.plan_update, name="plan_update"),
    path("<int:pk>/wastes/new/", views.waste_create, name="waste_create"),
    path("<int:pk>/reductions/new/", views.reduction_create, name="reduction_create"),
    path("<int:pk>/file/", views.plan_file, name="plan_file"),
    path("<int:pk>/amend/", views.plan_amend, name="plan_amend"),
    path("<int:pk>/receipt/", views.plan_receipt, name="plan_receipt"),
    path("wastes/<int:pk>/edit/", views.waste_update, name="waste_update"),
    path("wastes/<int:pk>/remove/", views.waste_remove, name="waste_remove"),
    path("reductions/<int:pk>/remove/", views.reduction_remove, name="reduction_remove"),
]
