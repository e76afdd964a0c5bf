"""Routes of this part of the manifests app (included by urls.py): revisions, paper
manifests, refused waste, consolidation, trace and registers."""

from django.urls import URLPattern, path

from . import views_revisions as v

urlpatterns: list[URLPattern] = [
    path("<int:pk>/revisions/", v.revision_list, name="revisions"),
    path("<int:pk>/revisions/<int:number>/decide/", v.revision_decide, name="revision_decide"),
    path(
        "<int:pk>/revisions/<int:number>/withdraw/", v.revision_withdraw, name="revision_withdraw"
    ),
    path("<int:pk>/refused-waste/", v.linked_new, name="linked_new"),
    path("<int:pk>/linked/", v.linked_step, name="linked_step"),
    path("paper/new/", v.paper_new, name="paper_new"),
    path("consolidate/", v.consolidate_new, name="consolidate"),
    path("trace/<int:pk>/", v.trace_view, name="trace"),
    path("registers/<str:kind>/", v.register_view, name="register"),
]
