from django.urls import path, register_converter

from . import views


class RegionCodeConverter:
    """A 2-, 4- or 6-digit region code (GB/T 2260)."""

    regex = r"\d{6}|\d{4}|\d{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RegionCodeConverter, "region")

app_name = "analytics"

urlpatterns = [
    path("", views.index, name="index"),
    path("<region:code>/", views.dashboard, name="dashboard"),
    path("<region:code>/data.json", views.data_json, name="data"),
    path("<region:code>/risk.json", views.risk_json, name="risk"),
    path("<region:code>/report.pdf", views.report_pdf, name="report_pdf"),
    path("<region:code>/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("<region:code>/tables/<slug:table_id>.xlsx", views.table_xlsx, name="table_xlsx"),
]
