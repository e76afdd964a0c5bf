from django.urls import path

from . import views
from .views import imports

app_name = "ledger"
urlpatterns = [
    path("", views.today, name="today"),
    path("containers/<int:pk>/", views.container_detail, name="container_detail"),
    path("containers/<int:pk>/step/", views.container_step, name="container_step"),
    path("containers/<int:pk>/label.pdf", views.container_label, name="container_label"),
    path("labels.pdf", views.labels_batch, name="labels"),
    path("inventory/", views.inventory, name="inventory"),
    path("entries/", views.entry_list, name="entry_list"),
    path("import/", imports.ledger_import, name="import"),
    path("import/template.xlsx", imports.ledger_import_template, name="import_template"),
]
