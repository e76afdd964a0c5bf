from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("warnings", views.WarningViewSet, basename="supervision-warning")
router.register("clues", views.ClueViewSet, basename="supervision-clue")
router.register("cases", views.CaseViewSet, basename="supervision-case")

urlpatterns = [
    path(
        "warnings/statistics/", views.WarningStatisticsView.as_view(), name="supervision-statistics"
    ),
    path("public-reports/", views.PublicReportView.as_view(), name="supervision-public-report"),
    path(
        "public-reports/<str:code>/",
        views.FollowUpView.as_view(),
        name="supervision-public-report-follow-up",
    ),
    *router.urls,
]
