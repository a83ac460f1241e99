"""The analyst's report form: a document read about an incident, from a known
source or one described on the spot.

The model validates both rows (full_clean), so the page refuses what the API
and the admin refuse, with the model's messages.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction

from incidents.forms import copy_errors
from incidents.models import Actor
from sources import services
from sources.models import Report, Source

NEW_SOURCE_FIELDS = {
    "name": "new_source_name",
    "kind": "new_source_kind",
    "reliability": "new_source_reliability",
    "affiliation": "new_source_affiliation",
}


class ReportForm(forms.ModelForm):
    """A report, with either an existing source or a new one."""

    new_source_name = forms.CharField(
        label="New source: name", required=False, max_length=200
    )
    new_source_kind = forms.ChoiceField(
        label="New source: kind",
        choices=Source.Kind.choices,
        initial=Source.Kind.OTHER,
        required=False,
    )
    new_source_reliability = forms.ChoiceField(
        label="New source: reliability",
        choices=Source.Reliability.choices,
        initial=Source.Reliability.F,
        required=False,
        help_text="The Admiralty grade of the outlet (A to F).",
    )
    new_source_affiliation = forms.ModelChoiceField(
        Actor.objects.order_by("name"),
        label="New source: affiliated with",
        required=False,
        empty_label="No party",
        help_text="The party it speaks for, if any (a ministry's press office, "
        "a group's channel).",
    )
    new_source_different = forms.BooleanField(
        label="It is a different source from those listed", required=False
    )

    class Meta:
        model = Report
        fields = [
            "source",
            "title",
            "url",
            "published_at",
            "language",
            "excerpt",
            "archive_url",
            "credibility",
        ]
        labels = {
            "title": "Title",
            "url": "URL",
            "published_at": "Published at",
            "archive_url": "Archive URL",
            "credibility": "Credibility",
        }
        help_texts = {
            "source": "Or describe a new source below.",
            "excerpt": "The passage with the figures; it fills the claims page's "
            "report text.",
        }
        widgets = {
            "published_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "excerpt": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].required = False
        self.fields["source"].empty_label = "A new source (below)"
        self.new_source = None
        self.same_sources: list[Source] = []

    def clean(self):
        cleaned = super().clean()
        named = cleaned.get("new_source_name", "").strip()
        if cleaned.get("source") and named:
            self.add_error("source", "Choose a source or describe a new one, not both.")
        elif named:
            self.same_sources = services.sources_named(named)
            if self.same_sources and not cleaned.get("new_source_different"):
                self.add_error("new_source_name", SAME_SOURCE_MESSAGE)
            else:
                self.new_source = self._new_source(cleaned, named)
        elif not cleaned.get("source") and "source" not in self.errors:
            self.add_error("source", "Choose the source, or describe a new one.")
        return cleaned

    def _new_source(self, cleaned, name: str) -> Source | None:
        source = Source(
            name=name,
            kind=cleaned.get("new_source_kind") or Source.Kind.OTHER,
            reliability=cleaned.get("new_source_reliability") or Source.Reliability.F,
            affiliation=cleaned.get("new_source_affiliation"),
        )
        try:
            source.full_clean()
        except ValidationError as error:
            copy_errors(error, self, NEW_SOURCE_FIELDS)
            return None
        return source

    def save(self, commit=True, *, user=None):
        with transaction.atomic():
            if self.new_source is not None:
                source = self.new_source
                self.instance.source = services.create_source(
                    user=user,
                    name=source.name,
                    kind=source.kind,
                    reliability=source.reliability,
                    affiliation=source.affiliation,
                )
            return super().save(commit)


SAME_SOURCE_MESSAGE = (
    "A source is already recorded under this name or one like it: choose it in "
    "the list, or tick that this one is different."
)


class NewSourceForm(forms.Form):
    """A new source, added from the page that needs it (the claims page's new
    report) without leaving it, with the sources it may duplicate shown."""

    name = forms.CharField(label="Source name", max_length=200)
    kind = forms.ChoiceField(
        label="Source kind", choices=Source.Kind.choices, initial=Source.Kind.OTHER
    )
    reliability = forms.ChoiceField(
        label="Reliability",
        choices=Source.Reliability.choices,
        initial=Source.Reliability.F,
        help_text="The Admiralty grade of the outlet (A to F).",
    )
    affiliation = forms.ModelChoiceField(
        Actor.objects.order_by("name"),
        label="Affiliated with",
        required=False,
        empty_label="No party",
        help_text="The party it speaks for, if any.",
    )
    different = forms.BooleanField(
        label="It is a different source from those listed", required=False
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "new_source")
        super().__init__(*args, **kwargs)
        self.same_sources: list[Source] = []

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        self.same_sources = services.sources_named(cleaned["name"])
        if self.same_sources and not cleaned.get("different"):
            raise ValidationError(SAME_SOURCE_MESSAGE)
        return cleaned

    def save(self, *, user) -> Source | None:
        """The new source, or None with the model's messages on the form."""
        try:
            return services.create_source(
                user=user,
                name=self.cleaned_data["name"],
                kind=self.cleaned_data["kind"],
                reliability=self.cleaned_data["reliability"],
                affiliation=self.cleaned_data["affiliation"],
            )
        except ValidationError as error:
            copy_errors(
                error,
                self,
                {"name": "name", "kind": "kind", "reliability": "reliability"},
            )
            return None
