from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("waste-codes", views.WasteCodeViewSet, basename="waste-code")
router.register("waste-categories", views.WasteCategoryViewSet, basename="waste-category")
router.register("exemptions", views.ExemptionViewSet, basename="exemption")
router.register("treatment-methods", views.TreatmentMethodViewSet, basename="treatment-method")
router.register(
    "general-waste-categories", views.GeneralWasteCategoryViewSet, basename="general-waste-category"
)
router.register("regions", views.RegionViewSet, basename="region")

urlpatterns = router.urls
