from rest_framework.routers import SimpleRouter

from . import views
from .declarations import DeclarationViewSet

router = SimpleRouter()
router.register("management-plans", views.ManagementPlanViewSet, basename="plans-plan")
router.register("declarations", DeclarationViewSet, basename="plans-declaration")

urlpatterns = router.urls
