from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from .imports import LedgerImportView

router = SimpleRouter()
router.register("containers", views.ContainerViewSet, basename="ledger-container")
router.register("ledger-entries", views.LedgerEntryViewSet, basename="ledger-entry")
router.register("scale-devices", views.ScaleDeviceViewSet, basename="ledger-scale-device")

urlpatterns = [
    *router.urls,
    path("scale-readings/", views.ScaleReadingView.as_view(), name="ledger-scale-readings"),
    path("ledger-imports/", LedgerImportView.as_view(), name="ledger-imports"),
]
