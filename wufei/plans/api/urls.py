from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("management-plans", views.ManagementPlanViewSet, basename="plans-plan")

urlpatterns = router.urls
