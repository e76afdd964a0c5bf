from django.urls import path, re_path

from . import views_clues as clues
from . import views_public as public
from . import views_warnings as warnings

app_name = "supervision"
urlpatterns = [
    path("warnings/", warnings.warning_list, name="warnings"),
    path("warnings/<int:pk>/", warnings.warning_detail, name="warning"),
    re_path(
        r"^warnings/(?P<pk>\d+)/(?P<step>assign|verify|rectify|respond|close|dismiss)/$",
        warnings.warning_step,
        name="warning_step",
    ),
    path("notes/<int:pk>/file/", warnings.note_file, name="note_file"),
    path("statistics/", warnings.statistics_page, name="statistics"),
    path("clues/", clues.clue_list, name="clues"),
    path("clues/new/", clues.clue_create, name="clue_create"),
    path("clues/<int:pk>/", clues.clue_detail, name="clue"),
    re_path(
        r"^clues/(?P<pk>\d+)/(?P<step>verify|dismiss|case)/$", clues.clue_step, name="clue_step"
    ),
    re_path(
        r"^clues/(?P<pk>\d+)/reward/(?P<step>approve|reveal|paid)/$",
        clues.reward_step,
        name="reward_step",
    ),
    path("photos/<int:pk>/", clues.clue_photo, name="clue_photo"),
    path("cases/", clues.case_list, name="cases"),
    path("cases/<int:pk>/", clues.case_detail, name="case"),
    re_path(
        r"^cases/(?P<pk>\d+)/(?P<step>rectify|respond|close)/$", clues.case_step, name="case_step"
    ),
    path("report/", public.report, name="report"),
    path("report/areas.json", public.report_areas, name="report_areas"),
    path("report/follow-up/", public.follow_up, name="follow_up"),
]
