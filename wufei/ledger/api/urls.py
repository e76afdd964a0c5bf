from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("containers", views.ContainerViewSet, basename="ledger-container")
router.register("ledger-entries", views.LedgerEntryViewSet, basename="ledger-entry")

urlpatterns = [
    *router.urls,
    path("scale-readings/", views.ScaleReadingView.as_view(), name="ledger-scale-readings"),
]
