from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from wufei.ledger import views as ledger_views
from wufei.manifests import views_proof as manifest_proof_views

from . import views

api_v1 = [
    path("", include("wufei.catalog.api.urls")),
    path("", include("wufei.registry.api.urls")),
    path("", include("wufei.plans.api.urls")),
    path("", include("wufei.ledger.api.urls")),
    path("", include("wufei.approvals.api.urls")),
    path("", include("wufei.tracking.api.urls")),
    path("", include("wufei.notifications.api.urls")),
    path("", include("wufei.manifests.api.urls")),
    path("", include("wufei.supervision.api.urls")),
    path("", include("wufei.trips.api.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("core/", include("wufei.core.urls")),
    path("catalog/", include("wufei.catalog.urls")),
    path("registry/", include("wufei.registry.urls")),
    path("plans/", include("wufei.plans.urls")),
    path("ledger/", include("wufei.ledger.urls")),
    path("c/<str:ident_code>", ledger_views.container_by_code, name="container_short"),
    path("labels/", include("wufei.labels.urls")),
    path("approvals/", include("wufei.approvals.urls")),
    path("notifications/", include("wufei.notifications.urls")),
    path("manifests/", include("wufei.manifests.urls")),
    path("supervision/", include("wufei.supervision.urls")),
    path("trips/", include("wufei.trips.urls")),
    path("analytics/matching/", include("wufei.analytics.urls_matching")),
    path("analytics/", include("wufei.analytics.urls")),
    path("v/<str:token>", manifest_proof_views.verify_page, name="manifest_verify"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path(
        "api/redoc/",
        csp_update(
            # Redoc styles itself inline and renders in a blob: worker; this page only.
            {"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]}
        )(SpectacularRedocView.as_view(url_name="api-schema")),
        name="api-redoc",
    ),
    path("admin/", admin.site.urls),
]
