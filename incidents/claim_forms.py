"""A batch of claims read in one report, typed or extracted from pasted text.

The rows are Claim ModelForms whose instance already carries the incident,
claimant, side and time, so the model's validation sees the whole claim. The
batch is saved in one transaction through `casualties.services.create_claim`,
the path of the API's claim creation, which keeps the stored tallies current.
"""

import re

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Q

from casualties import services
from casualties.extract import Candidate, extract_claims
from casualties.models import Claim, ClaimantSide
from core.validators import MAX_FIGURE, no_markup, plausible_date
from incidents import services as incident_services
from incidents.forms import (
    choices_of,
    copy_errors,
    service_fields,
    share_choices,
)
from incidents.models import Actor
from sources import services as report_services
from sources.models import Report, Source

MAX_CLAIM_ROWS = 50


class ExtractForm(forms.Form):
    """The report paragraph an analyst pastes to have its figures suggested."""

    text = forms.CharField(
        label="Report text",
        required=False,
        strip=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Paste a paragraph and press Extract: the figures it gives fill "
        "the rows below (replacing them), for you to check.",
    )

    def candidates(self) -> list[Candidate] | None:
        """The figures found, or None (with an error) when there is no text."""
        if not self.is_valid():
            return None
        text = self.cleaned_data["text"]
        if not text.strip():
            self.add_error("text", "Paste the report text to extract figures from.")
            return None
        return extract_claims(text)


def highlighted(text: str, candidates: list[Candidate]) -> list[tuple[str, bool]]:
    """The text cut into (piece, is a figure's wording) for <mark>ing; the
    template escapes every piece."""
    pieces, at = [], 0
    for candidate in sorted(candidates, key=lambda c: c.start):
        if candidate.start < at:
            continue  # overlapping spans: the first one is marked
        pieces.append((text[at : candidate.start], False))
        pieces.append((text[candidate.start : candidate.end], True))
        at = candidate.end
    pieces.append((text[at:], False))
    return [piece for piece in pieces if piece[0]]


def candidate_rows(candidates: list[Candidate]) -> list[dict]:
    """Each candidate as a row, with the side and, where an actor's name is in
    the speaker's words, the claimant its sentence suggests."""
    fields = ("wording", "group", "outcome", "low", "high", "point", "said_by")
    speakers = {c.said_by for c in candidates if c.said_by}
    actors = _actors_named_in(speakers)
    return [
        {
            "keep": True,
            **{name: getattr(c, name) for name in fields},
            "row_side": c.side,
            "row_claimant": actors.get(c.said_by),
        }
        for c in candidates
    ]


def _actors_named_in(speakers: set[str]) -> dict[str, int]:
    """speaker words -> the actor whose name or alias they hold ("the BLA
    said"), the longest such name winning."""
    if not speakers:
        return {}
    named = {}
    for pk, names in incident_services.actor_names().items():
        for speaker in speakers:
            words = " ".join(speaker.split()).casefold()
            for name in names:
                held = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", words)
                if held and len(name) > len(named.get(speaker, (None, ""))[1]):
                    named[speaker] = (pk, name)
    return {speaker: pk for speaker, (pk, _name) in named.items()}


class ClaimSourceForm(forms.Form):
    """Who made the figures of a batch and where they were read: every row shares it.

    The report is one already cited around this incident, or a new one from
    a known source, so a batch can be entered without leaving the page.
    """

    claimant = forms.ModelChoiceField(
        Actor.objects.all(), label="Claimant", required=False, empty_label="Unnamed"
    )
    side = forms.ModelChoiceField(
        ClaimantSide.objects.all(),
        label="Side",
        empty_label=None,
        initial="unknown",
        help_text="Whose figures these are: the best estimate prefers "
        "independent, then official ones.",
    )
    asserted_at = forms.DateTimeField(
        label="Asserted at",
        required=False,
        validators=[plausible_date],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
    )
    report = forms.ModelChoiceField(
        Report.objects.none(),
        label="Report",
        required=False,
        empty_label="None, or a new report below",
    )
    source = forms.ModelChoiceField(
        Source.objects.all(), label="Source", required=False, empty_label="—"
    )
    report_title = forms.CharField(
        label="Report title", required=False, max_length=500, validators=[no_markup]
    )
    report_url = forms.URLField(label="Report URL", required=False, max_length=1000)

    def __init__(self, *args, incident, offered_report=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra_kwargs = {"incident": incident, "offered_report": offered_report}
        root = incident.path.strip("/").split("/")[0]
        offered = Q(claims__incident__path__startswith=f"/{root}/") | Q(
            incident_links__incident__path__startswith=f"/{root}/"
        )
        if offered_report is not None:
            offered |= Q(pk=offered_report)
        named = (
            self.data.get(self.add_prefix("report"))
            if self.is_bound
            else self.initial.get("report")
        )
        if named and str(named).isdigit():
            offered |= Q(pk=int(named))
        self.fields["report"].queryset = (
            Report.objects.filter(offered, retracted_at__isnull=True)
            .select_related("source")
            .distinct()
            .order_by("source__name", "-published_at", "id")
        )
        self.new_report = None

    def clean(self):
        cleaned = super().clean()
        title, source = cleaned.get("report_title"), cleaned.get("source")
        if cleaned.get("report") and (title or source):
            self.add_error(
                "report", "Choose a report or describe a new one below, not both."
            )
        elif title and not source:
            self.add_error("source", "Choose the source of the new report.")
        elif source and not title and "report_title" not in self.errors:
            self.add_error("report_title", "Give the new report a title.")
        elif title and source:
            self.new_report = self._new_report(cleaned)
        return cleaned

    def _new_report(self, cleaned) -> Report | None:
        # The pasted text stays with the report it came from: "Add claims"
        # from the report later starts from it again.
        report = Report(
            source=cleaned["source"],
            title=cleaned["report_title"],
            url=cleaned.get("report_url") or "",
            excerpt=(self.data.get("text") or "").strip(),
        )
        try:
            report.full_clean()
        except ValidationError as error:
            fields = {"title": "report_title", "url": "report_url", "source": "source"}
            copy_errors(error, self, fields)
            return None
        return report

    def claim_defaults(self) -> dict:
        """What every row's claim takes from this form (what is valid of it)."""
        cleaned = getattr(self, "cleaned_data", {})
        return {
            name: cleaned.get(name)
            for name in ("claimant", "side", "asserted_at")
            if cleaned.get(name) is not None
        }


def _figure(label: str, **kwargs) -> forms.IntegerField:
    # Below zero is left to the model, whose message names the figure.
    return forms.IntegerField(label=label, max_value=MAX_FIGURE, **kwargs)


class ClaimRowForm(forms.ModelForm):
    """One figure of the batch; a row without "Keep" is neither checked nor saved."""

    keep = forms.BooleanField(label="Keep", required=False, initial=True)
    low = _figure("Low")
    high = _figure("High", required=False, help_text="Empty: open-ended.")
    point = _figure(
        "Stated figure", required=False, help_text="The number as stated, if any."
    )
    # Each row may name its own claimant and side, as a paragraph quoting the
    # army, the group and a hospital does; empty keeps the batch's.
    row_side = forms.ModelChoiceField(
        ClaimantSide.objects.all(),
        label="This figure's side",
        required=False,
        empty_label="As above",
        to_field_name="slug",
    )
    row_claimant = forms.ModelChoiceField(
        Actor.objects.all(),
        label="This figure's claimant",
        required=False,
        empty_label="As above",
        widget=forms.Select(attrs={"class": "row-claimant"}),
    )
    said_by = forms.CharField(
        required=False, max_length=200, widget=forms.HiddenInput, label="Said by"
    )

    class Meta:
        model = Claim
        fields = ["group", "outcome", "wording", "low", "high", "point", "period_label"]
        labels = {
            "group": "Group",
            "outcome": "Outcome",
            "wording": "Wording",
            "period_label": "Period",
        }
        help_texts = {"wording": "", "period_label": 'As worded: "over 48 hours".'}

    def __init__(self, *args, defaults=None, **kwargs):
        kwargs["instance"] = Claim(**(defaults or {}))
        super().__init__(*args, **kwargs)

    def _update_errors(self, errors):
        """The model's messages about what the rows share (the assertion time)
        are kept aside for the form that holds it; see ClaimEntry.is_valid."""
        own = getattr(errors, "error_dict", {})
        self.shared_errors = {
            name: own.pop(name)
            for name in list(own)
            if name not in self.fields and name != NON_FIELD_ERRORS
        }
        if not hasattr(errors, "error_dict") or own:
            super()._update_errors(errors)

    @property
    def kept(self) -> bool:
        if not self.is_bound:
            return True
        widget = self.fields["keep"].widget
        return widget.value_from_datadict(
            self.data, self.files, self.add_prefix("keep")
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("row_side") is not None:
            self.instance.side = cleaned["row_side"]
        if cleaned.get("row_claimant") is not None:
            self.instance.claimant = cleaned["row_claimant"]
        return cleaned

    def has_changed(self):
        """A row only of suggestions (who said it) is still a blank row."""
        ignored = {"row_side", "row_claimant", "said_by", "keep"}
        return any(name not in ignored for name in self.changed_data)

    def full_clean(self):
        if self.is_bound and not self.kept:
            self._errors = forms.utils.ErrorDict()
            self.cleaned_data = {"keep": False}
            return
        super().full_clean()


class BaseClaimFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not self.rows_to_save():
            raise ValidationError(
                "Nothing to save: fill in at least one row and tick Keep."
            )

    def rows_to_save(self) -> list[ClaimRowForm]:
        return [form for form in self.forms if form.kept and form.has_changed()]

    def initial_form_count(self):
        """Every row is new: one left blank is skipped, pre-filled or not."""
        return 0


ClaimFormSet = forms.formset_factory(
    ClaimRowForm,
    formset=BaseClaimFormSet,
    extra=0,
    max_num=MAX_CLAIM_ROWS,
    validate_max=True,
    absolute_max=MAX_CLAIM_ROWS,
)


def claim_formset(data=None, *, initial=None, extra=0, defaults=None):
    formset = ClaimFormSet(
        data,
        initial=initial,
        prefix="claims",
        form_kwargs={"defaults": defaults or {}},
    )
    formset.extra = extra
    share_choices(
        formset.forms,
        choices_of(ClaimRowForm, "group", "outcome", "row_side", "row_claimant"),
    )
    return formset


# The figures that make two claims the same one said twice.
SAME_CLAIM = ("claimant_id", "side_id", "group_id", "outcome_id", "low", "high")


class ClaimEntry:
    """A batch of claims about one incident, saved all together or not at all.

    A row that repeats a claim already recorded at the incident, or another
    row of the batch, holds the save until the analyst says to save anyway
    (`duplicates_ok`): a long paste often names one figure several times."""

    def __init__(self, *, incident, data):
        self.incident = incident
        self.source = ClaimSourceForm(data, incident=incident)
        self.source.is_valid()
        defaults = {"incident": incident, **self.source.claim_defaults()}
        self.rows = claim_formset(data, defaults=defaults)
        self.duplicates_ok = bool(data.get("duplicates_ok"))
        self.duplicates: list[str] = []

    def is_valid(self) -> bool:
        rows_valid = self.rows.is_valid()
        for form in self.rows.forms:
            for name, errors in getattr(form, "shared_errors", {}).items():
                if name not in self.source.errors:
                    self.source.add_error(
                        name if name in self.source.fields else None, errors
                    )
        valid = self.source.is_valid() and rows_valid
        if valid and not self.duplicates_ok:
            self.duplicates = self._repeats()
        return valid and not self.duplicates

    def _repeats(self) -> list[str]:
        """What each kept row repeats, in words; empty when nothing does."""
        recorded = {
            tuple(values[:-1]): values[-1]
            for values in Claim.objects.filter(incident=self.incident)
            .active()
            .values_list(*SAME_CLAIM, "pk")
        }
        seen, said, saving = {}, [], self.rows.rows_to_save()
        for number, form in enumerate(self.rows.forms, start=1):
            if form not in saving:
                continue
            key = tuple(getattr(form.instance, name) for name in SAME_CLAIM)
            figure = f"“{form.instance.wording or form.instance.interval_display}”"
            if key in recorded:
                said.append(
                    f"Figure {number} ({figure}) repeats claim {recorded[key]}, "
                    "already recorded here by the same claimant and side."
                )
            elif key in seen:
                said.append(f"Figure {number} ({figure}) repeats figure {seen[key]}.")
            seen.setdefault(key, number)
        return said

    def save(self, *, user) -> list[Claim]:
        """Each row through the service the API's claim creation uses."""
        with transaction.atomic():
            report = self.source.cleaned_data.get("report") or self.source.new_report
            if report is not None and report.pk is None:
                report.created_by = user
                report.save()
            if report is not None:
                report_services.hang_report(
                    report=report, incident=self.incident, user=user
                )
            return [
                services.create_claim(
                    user=user,
                    reports=[] if report is None else [report],
                    **service_fields(form.instance, services.CLAIM_FIELDS),
                )
                for form in self.rows.rows_to_save()
            ]
