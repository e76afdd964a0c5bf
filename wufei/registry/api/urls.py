from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("organizations", views.OrganizationViewSet, basename="registry-organization")
router.register("sites", views.SiteViewSet, basename="registry-site")
router.register("facilities", views.FacilityViewSet, basename="registry-facility")
router.register("permits", views.PermitViewSet, basename="registry-permit")
router.register("vehicles", views.VehicleViewSet, basename="registry-vehicle")
router.register("drivers", views.DriverViewSet, basename="registry-driver")
router.register("memberships", views.MembershipViewSet, basename="registry-membership")

urlpatterns = router.urls
