from django.urls import path

from . import declarations_views as dv
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
    path("declarations/", dv.declaration_list, name="declaration_list"),
    path("declarations/new/", dv.declaration_generate, name="declaration_generate"),
    path("declarations/overdue/", dv.declaration_overdue, name="declaration_overdue"),
    path("declarations/<int:pk>/", dv.declaration_detail, name="declaration_detail"),
    path(
        "declarations/<int:pk>/regenerate/",
        dv.declaration_regenerate,
        name="declaration_regenerate",
    ),
    path("declarations/<int:pk>/confirm/", dv.declaration_confirm, name="declaration_confirm"),
    path("declarations/<int:pk>/revise/", dv.declaration_revise, name="declaration_revise"),
    path("declarations/<int:pk>/xlsx/", dv.declaration_xlsx, name="declaration_xlsx"),
]
