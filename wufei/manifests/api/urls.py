from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("manifests", views.ManifestViewSet, basename="manifests-manifest")

urlpatterns = router.urls
