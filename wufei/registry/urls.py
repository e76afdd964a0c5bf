from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("organizations/", views.organization_list, name="organization_list"),
    path("organizations/new/", views.organization_create, name="organization_create"),
    path("organizations/import/", views.organization_import, name="organization_import"),
    path(
        "organizations/import/template.xlsx",
        views.organization_import_template,
        name="organization_import_template",
    ),
    path("organizations/<str:uscc>/", views.organization_detail, name="organization_detail"),
    path("organizations/<str:uscc>/edit/", views.organization_update, name="organization_update"),
    path(
        "organizations/<str:uscc>/management-class/",
        views.organization_override,
        name="organization_override",
    ),
    path("organizations/<str:uscc>/invite/", views.organization_invite, name="organization_invite"),
    path("organizations/<str:uscc>/sites/new/", views.site_create, name="site_create"),
    path("organizations/<str:uscc>/permits/new/", views.permit_create, name="permit_create"),
    path("organizations/<str:uscc>/vehicles/new/", views.vehicle_create, name="vehicle_create"),
    path("organizations/<str:uscc>/drivers/new/", views.driver_create, name="driver_create"),
    path("sites/", views.site_list, name="site_list"),
    path("sites/<int:pk>/", views.site_detail, name="site_detail"),
    path("sites/<int:pk>/edit/", views.site_update, name="site_update"),
    path("sites/<int:site_pk>/facilities/new/", views.facility_create, name="facility_create"),
    path("facilities/", views.facility_list, name="facility_list"),
    path("facilities/<int:pk>/", views.facility_detail, name="facility_detail"),
    path("facilities/<int:pk>/edit/", views.facility_update, name="facility_update"),
    path("permits/", views.permit_list, name="permit_list"),
    path("permits/<int:pk>/", views.permit_detail, name="permit_detail"),
    path("permits/<int:pk>/edit/", views.permit_update, name="permit_update"),
    path("permits/<int:pk>/status/", views.permit_status, name="permit_status"),
    path("vehicles/", views.vehicle_list, name="vehicle_list"),
    path("vehicles/<int:pk>/", views.vehicle_detail, name="vehicle_detail"),
    path("vehicles/<int:pk>/edit/", views.vehicle_update, name="vehicle_update"),
    path("drivers/", views.driver_list, name="driver_list"),
    path("drivers/<int:pk>/", views.driver_detail, name="driver_detail"),
    path("drivers/<int:pk>/edit/", views.driver_update, name="driver_update"),
    path("members/", views.membership_list, name="membership_list"),
    path("members/<int:pk>/remove/", views.membership_remove, name="membership_remove"),
    path("members/<int:pk>/role/", views.membership_role, name="membership_role"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/accept/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
