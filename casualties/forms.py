"""The editor's forms of the review queue.

The figures' rules live in `casualties.services.review_tally` and the claim's in
the model; these forms only read the input and carry the version that was seen,
so that the page refuses what the API and the admin refuse, with their messages.
"""

from django import forms

from casualties.models import Claim
from core.validators import MAX_FIGURE, no_markup


class VersionField(forms.IntegerField):
    """The version of the row the page was opened on (optimistic locking)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_FIGURE, **kwargs)


def _figure(label: str, *, required: bool, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=0,
        max_value=MAX_FIGURE,
        help_text=help_text,
    )


class ReviewForm(forms.Form):
    """The accepted best figure, an optional narrower low/high, and why.

    A blank rationale is left to `review_tally`, so its message is the API's.
    """

    best = _figure("Best", required=True)
    low = _figure(
        "Low", required=False, help_text="Leave empty to keep the computed low."
    )
    high = _figure(
        "High",
        required=False,
        help_text="Leave empty to keep the computed high (open stays open).",
    )
    rationale = forms.CharField(
        label="Rationale",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "required": True}),
        help_text="Why this figure is the best estimate: readers see it.",
        validators=[no_markup],
    )
    version = VersionField()


class AssessClaimForm(forms.ModelForm):
    """One claim's assessment; the model's validation runs on the result."""

    version = VersionField()
    tally = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = Claim
        fields = ["assessment", "assessment_note"]
        labels = {"assessment_note": "Assessment note"}
        widgets = {"assessment_note": forms.TextInput}
