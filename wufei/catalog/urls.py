from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("codes/", views.wastecode_list, name="wastecode_list"),
    path("codes/<str:code>/", views.wastecode_detail, name="wastecode_detail"),
    path("regions/", views.region_list, name="region_list"),
    path("regions/<str:code>/", views.region_detail, name="region_detail"),
    path("methods/", views.method_list, name="method_list"),
]
