from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("transfer-approvals", views.TransferApprovalViewSet, basename="approvals-approval")

urlpatterns = router.urls
