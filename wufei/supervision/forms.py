"""Forms of the warning loop, the clue and case steps, rewards and the public report.

The forms only shape the input; the rules (required text, deadlines, photo type and size, the
position inside the province…) are the actions', whose errors are put beside the field."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ClueSource

TEXTAREA = forms.Textarea(attrs={"rows": 3})
DATE = forms.DateInput(attrs={"type": "date"})


class AssignForm(forms.Form):
    pass


class VerifyForm(forms.Form):
    note = forms.CharField(label=_("Verification result"), widget=TEXTAREA, required=False)
    file = forms.FileField(label=_("Photo or file"), required=False)


class RectifyForm(forms.Form):
    measures = forms.CharField(label=_("Rectification required"), widget=TEXTAREA, required=False)
    due_on = forms.DateField(label=_("Rectify by"), widget=DATE, required=False)


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Closing note"), widget=TEXTAREA, required=False)


class DismissForm(forms.Form):
    reason = forms.CharField(label=_("Reason for dismissal"), widget=TEXTAREA, required=False)


class RespondForm(forms.Form):
    response = forms.CharField(label=_("What was rectified"), widget=TEXTAREA, required=False)
    file = forms.FileField(label=_("Photo or file"), required=False)


class ClueVerifyForm(forms.Form):
    note = forms.CharField(label=_("Verification result"), widget=TEXTAREA, required=False)


class OpenCaseForm(forms.Form):
    title = forms.CharField(label=_("Case title"), required=False, max_length=200)
    findings = forms.CharField(label=_("Findings"), widget=TEXTAREA, required=False)


class CaseRectifyForm(forms.Form):
    findings = forms.CharField(label=_("Findings"), widget=TEXTAREA, required=False)
    measures = forms.CharField(label=_("Rectification required"), widget=TEXTAREA, required=False)
    # required here: clues.require_case_rectification has no default deadline
    due_on = forms.DateField(label=_("Rectify by"), widget=DATE)
    penalty_reference = forms.CharField(label=_("Legal basis"), required=False, max_length=200)
    penalty_amount = forms.DecimalField(
        label=_("Fine (yuan)"), required=False, min_value=0, decimal_places=2
    )


class CaseRespondForm(forms.Form):
    response = forms.CharField(label=_("What was rectified"), widget=TEXTAREA, required=False)


class RewardForm(forms.Form):
    amount = forms.DecimalField(label=_("Reward (yuan)"), required=False, decimal_places=2)


class MultiImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiImageField(forms.FileField):
    widget = MultiImageInput

    def clean(self, data, initial=None):  # type: ignore[no-untyped-def]
        if isinstance(data, list | tuple):
            return [f for f in data if f]
        return [data] if data else []


class PublicReportForm(forms.Form):
    """有奖举报: what, when, where (phone position, a map click, or a photo's GPS), photos and
    an optional name and phone."""

    description = forms.CharField(
        label=_("What did you see?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
    )
    observed_at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    latitude = forms.CharField(required=False, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, widget=forms.HiddenInput)
    photos = MultiImageField(
        label=_("Photos (up to 5)"),
        required=False,
        widget=MultiImageInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    name = forms.CharField(label=_("Your name (optional)"), required=False, max_length=50)
    phone = forms.CharField(label=_("Your phone (optional)"), required=False, max_length=20)

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("observed_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))


class FollowUpForm(forms.Form):
    code = forms.CharField(label=_("Follow-up code"), max_length=20, required=False)


class ClueForm(forms.Form):
    """A bureau records a clue (patrol, drone, satellite, video, hotline)."""

    source = forms.ChoiceField(label=_("Source"), choices=ClueSource.choices)
    description = forms.CharField(label=_("What was seen"), widget=TEXTAREA, required=False)
    observed_at = forms.DateTimeField(
        label=_("Seen at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    latitude = forms.CharField(label=_("Latitude (WGS-84)"), required=False)
    longitude = forms.CharField(label=_("Longitude (WGS-84)"), required=False)
    address = forms.CharField(label=_("Place"), required=False, max_length=200)
