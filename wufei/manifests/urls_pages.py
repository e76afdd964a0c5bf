"""Routes of the manifest pages (dashboard, draft form, step POSTs, phone pages); the detail
page itself is routed in urls.py (``<pk>/`` → ``views.detail``)."""

from django.urls import path

from . import views, views_draft, views_phone

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("new/", views_draft.new, name="new"),
    path("new/transport/", views_draft.transport_options, name="transport_options"),
    path("<int:pk>/edit/", views_draft.edit, name="edit"),
    path("<int:pk>/step/<slug:name>/", views.step, name="step"),
    path("driver/", views_phone.driver, name="driver"),
    path("<int:pk>/load/", views_phone.load, name="load"),
    path("<int:pk>/takeover/", views_phone.takeover, name="takeover"),
    path("<int:pk>/receive/", views_phone.receive, name="receive"),
]
