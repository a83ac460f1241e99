"""The analyst's incident form, with its place, targets and actors, and the
editor's publish and retract; with the helpers the claim forms share
(`incidents.claim_forms`).

Every form validates through the model (ModelForm's full_clean, or full_clean
on the row it is about to save), so a page refuses what the API and the admin
refuse, with the model's messages. Text with HTML markup is refused as the API
refuses it. Saving goes through the models' own save(), which keeps the stored
tallies current, exactly as the API's writes do.
"""

import copy

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from core.validators import MAX_FIGURE, no_markup
from incidents import services
from incidents.access import visible_incidents
from incidents.models import (
    Incident,
    IncidentActor,
    Location,
    ResponsibilityClaim,
    Target,
)
from sources.services import reports_about

MAX_ROWS = 100  # targets, actor roles or claims on one incident, as the API allows
STALE_MESSAGE = (
    "This incident was changed by someone else after you opened this page. "
    "Nothing was saved: open the current version and make your change again."
)


class VersionField(forms.IntegerField):
    """The version of the record the page was opened on (optimistic locking)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_FIGURE, **kwargs)


def share_choices(forms_, choices: dict) -> None:
    """Give the selects of many rows one evaluated list of options each.

    A ModelChoiceField queries its table every time it renders; a formset of
    twenty rows would query twenty times. Validation still checks the posted
    key against the field's queryset.
    """
    for form in forms_:
        for name, options in choices.items():
            if name in form.fields:
                form.fields[name].choices = options


def choices_of(form_class, *names) -> dict:
    return {name: list(form_class.base_fields[name].choices) for name in names}


def service_fields(instance, allowed, *, only=None) -> dict:
    """The values a form put on its unsaved instance, as a write service takes
    them; `only` (a form's changed_data) limits them to what the user changed."""
    return {
        field.name: (
            None
            if field.is_relation and getattr(instance, field.attname) is None
            else getattr(instance, field.name)
        )
        for field in instance._meta.concrete_fields
        if field.name in allowed and (only is None or field.name in only)
    }


def copy_errors(error: ValidationError, form, fields: dict) -> None:
    """Report a model's ValidationError on the form fields that stand for it
    (the rest above the form), leaving out what the form already says."""
    for name, messages in error.message_dict.items():
        field = fields.get(name)
        said = form.errors.get(field or NON_FIELD_ERRORS, [])
        new = [message for message in messages if message not in said]
        if new:
            form.add_error(field, new)


def typed(form) -> dict:
    """What was posted in each field of a bound form, as it was typed."""
    return {name: form[name].data for name in form.fields}


def unbound_like(form):
    """An unbound copy of a bound form showing what was typed, without errors.

    For re-rendering input that was not submitted for saving (Extract, Add a
    row): its messages would only be noise.
    """
    return type(form)(initial=typed(form), prefix=form.prefix, **form.extra_kwargs)


# Incidents -----------------------------------------------------------------

NEW_PLACE_FIELDS = {
    "name": "new_place_name",
    "parent": "new_place_area",
    "latitude": "new_place_latitude",
    "longitude": "new_place_longitude",
}


class IncidentForm(forms.ModelForm):
    """An incident: parent, place (from the gazetteer or new), dates, type.

    The parent and the place are typed as numbers or picked by search: both
    tables grow too large for a <select>.
    """

    version = VersionField(required=False)
    new_place_name = forms.CharField(
        label="New place: name", required=False, max_length=200
    )
    new_place_area = forms.CharField(
        label="New place: country or province code",
        required=False,
        max_length=10,
        help_text="The ISO 3166 code of the area it lies in: PK, PK-BA.",
    )
    new_place_latitude = forms.FloatField(
        label="New place: latitude",
        required=False,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    new_place_longitude = forms.FloatField(
        label="New place: longitude",
        required=False,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )

    class Meta:
        model = Incident
        fields = [
            "title",
            "summary",
            "type",
            "parent",
            "start_date",
            "end_date",
            "date_precision",
            "location",
            "location_precision",
        ]
        labels = {
            "title": "Title",
            "parent": "Parent incident (number)",
            "location": "Location (gazetteer number)",
        }
        help_texts = {
            "parent": "Leave empty for a top-level incident.",
            "location": "Search below, or type the number of a gazetteer entry.",
        }
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "parent": forms.NumberInput(attrs={"min": 1}),
            "location": forms.NumberInput(attrs={"min": 1}),
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
        }
        error_messages = {
            "parent": {"invalid_choice": "No incident you may see has that number."},
            "location": {"invalid_choice": "No gazetteer entry has that number."},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra_kwargs = {"user": user}
        self.fields["parent"].queryset = visible_incidents(user)
        if self.instance.pk is None:
            del self.fields["version"]
        else:
            self.fields["version"].required = True
            self.fields["version"].initial = self.instance.version
        self.new_place = None

    def chosen(self, name):
        """The parent or location the form now names, to show it by name."""
        if self.is_bound:
            return getattr(self, "cleaned_data", {}).get(name)
        value = self.initial.get(name)
        if isinstance(value, int):
            return getattr(self.instance, name, None)
        return value

    def clean(self):
        cleaned = super().clean()
        self.new_place = self._new_place(cleaned)
        return cleaned

    def _new_place(self, cleaned) -> Location | None:
        given = [name for name in NEW_PLACE_FIELDS.values() if cleaned.get(name)]
        if not given:
            return None
        if cleaned.get("location"):
            self.add_error(
                "location",
                "Choose a gazetteer entry or describe a new place, not both.",
            )
            return None
        place = Location(
            name=cleaned.get("new_place_name", "").strip(),
            kind=Location.Kind.PLACE,
            parent=self._area(cleaned.get("new_place_area", "")),
            latitude=cleaned.get("new_place_latitude"),
            longitude=cleaned.get("new_place_longitude"),
        )
        missing = {
            "new_place_name": "Name the new place." if not place.name else None,
            "new_place_latitude": "Give the coordinates of the place."
            if place.latitude is None
            else None,
            "new_place_longitude": "Give the coordinates of the place."
            if place.longitude is None
            else None,
        }
        for name, message in missing.items():
            if message and name not in self.errors:
                self.add_error(name, message)
        if place.parent is None and "new_place_area" not in self.errors:
            self.add_error(
                "new_place_area", "Say which country or province the place lies in."
            )
        if any(name in self.errors for name in NEW_PLACE_FIELDS.values()):
            return None
        try:
            place.full_clean(exclude=["path"])
        except ValidationError as error:
            copy_errors(error, self, NEW_PLACE_FIELDS)
            return None
        return place

    def _area(self, code: str) -> Location | None:
        code = code.strip().upper()
        if not code:
            return None
        area = Location.objects.filter(
            code=code, kind__in=[Location.Kind.COUNTRY, Location.Kind.ADMIN1]
        ).first()
        if area is None:
            self.add_error("new_place_area", "No country or province has that code.")
        return area

    def save_place(self) -> None:
        """A new place goes into the gazetteer before the incident names it."""
        if self.new_place is not None:
            self.new_place.save()
            self.instance.location = self.new_place


class TargetForm(forms.ModelForm):
    class Meta:
        model = Target
        fields = ["category", "description"]
        labels = {"category": "Category", "description": "Description"}


class ActorRoleForm(forms.ModelForm):
    class Meta:
        model = IncidentActor
        fields = ["actor", "role"]
        labels = {"actor": "Actor", "role": "Role"}
        widgets = {"actor": forms.Select(attrs={"class": "row-actor"})}


class ResponsibilityForm(forms.ModelForm):
    """One party's claim of responsibility; the report is one read about this
    incident (the form is given their list)."""

    class Meta:
        model = ResponsibilityClaim
        fields = ["actor", "how", "report"]
        labels = {"actor": "Claimed by", "how": "How", "report": "In report"}
        help_texts = {"how": "A statement, videos, ..."}
        widgets = {
            "actor": forms.Select(attrs={"class": "row-actor"}),
            "how": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, reports, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["report"].queryset = reports
        self.fields["report"].empty_label = "None named"


class OwnRowsFormSet(forms.BaseInlineFormSet):
    """Rows already saved must be this incident's own.

    Django quietly skips a posted row id that is not among the incident's
    rows; a page that did not send it is refused instead, so nobody is led
    to believe it was saved.
    """

    def clean(self):
        super().clean()
        if any(form.instance.pk is None for form in self.initial_forms):
            raise ValidationError(
                "A row here is not one of this incident's: reload the page."
            )


def incident_rows(model, form, formset=OwnRowsFormSet):
    """An incident's rows of `model` as a page edits them: one blank row,
    Delete on each, at most MAX_ROWS."""
    return forms.inlineformset_factory(
        Incident,
        model,
        form=form,
        formset=formset,
        extra=1,
        can_delete=True,
        max_num=MAX_ROWS,
        validate_max=True,
        absolute_max=MAX_ROWS,
    )


TargetFormSet = incident_rows(Target, TargetForm)


class ResponsibilityRows(OwnRowsFormSet):
    def get_unique_error_message(self, unique_check):
        return services.TWICE_MESSAGE


ResponsibilityFormSet = incident_rows(
    ResponsibilityClaim, ResponsibilityForm, ResponsibilityRows
)
ActorRoleFormSet = incident_rows(IncidentActor, ActorRoleForm)


class IncidentForms:
    """The incident form with its targets, actors and claims of
    responsibility, valid and saved together."""

    def __init__(self, *, user, instance=None, data=None, initial=None):
        self.instance = instance or Incident()
        self.stored_title = self.instance.title
        self.incident = IncidentForm(
            data, instance=self.instance, initial=initial, user=user
        )
        targets = Target.objects.order_by("id")
        roles = IncidentActor.objects.order_by("id")
        claims = ResponsibilityClaim.objects.order_by("id")
        self.targets = TargetFormSet(
            data, instance=self.instance, prefix="targets", queryset=targets
        )
        self.actors = ActorRoleFormSet(
            data, instance=self.instance, prefix="actors", queryset=roles
        )
        reports = reports_about(self.instance)
        self.responsibility = ResponsibilityFormSet(
            data,
            instance=self.instance,
            prefix="responsibility",
            queryset=claims,
            form_kwargs={"reports": reports},
        )
        share_choices(self.targets.forms, choices_of(TargetForm, "category"))
        actors = choices_of(ActorRoleForm, "actor")
        share_choices(self.actors.forms, actors)
        report_choices = ResponsibilityForm(reports=reports).fields["report"].choices
        share_choices(
            self.responsibility.forms, actors | {"report": list(report_choices)}
        )

    @property
    def formsets(self):
        return (self.targets, self.actors, self.responsibility)

    def is_valid(self) -> bool:
        return all([self.incident.is_valid(), *(f.is_valid() for f in self.formsets)])

    def refuse_stale(self, stored_version: int) -> bool:
        """True (with the form told why) when the record moved on since it was read."""
        if self.incident.cleaned_data.get("version") == stored_version:
            return False
        self.incident.add_error(None, STALE_MESSAGE)
        return True

    def save(self, *, user) -> Incident:
        """Through the incident services; raises Conflict for a stale page and
        ValidationError for rows the services refuse (nothing is saved)."""
        form = self.incident
        with transaction.atomic():
            form.save_place()
            fields = service_fields(self.instance, services.INCIDENT_FIELDS)
            if self.instance.pk is None:
                incident = services.create_incident(user=user, **fields)
            else:
                incident = services.update_incident(
                    incident=self.instance,
                    user=user,
                    version=form.cleaned_data["version"],
                    **fields,
                )
            services.set_incident_rows(
                incident=incident,
                user=user,
                targets=formset_rows(self.targets),
                actor_roles=formset_rows(self.actors),
                responsibilities=formset_rows(self.responsibility),
            )
        return incident


def formset_rows(formset) -> list[dict]:
    """The rows a valid formset asks for, as the incident services take them:
    the kept (with their ids, so an edit changes the row) and the new (blank
    extra rows and rows ticked Delete left out)."""
    names = [name for name in formset.form._meta.fields if name != formset.fk.name]
    return [
        {"id": form.instance.pk} | {name: form.cleaned_data.get(name) for name in names}
        for form in formset.forms
        if form.cleaned_data
        and not form.cleaned_data.get("DELETE")
        and (form.instance.pk is not None or form.has_changed())
    ]


class StatusForm(forms.Form):
    """A change of an incident's status, checked by the model before it is saved.

    The view locks the row and passes it in, so `version` is compared with the
    stored one; a stale page changes nothing.
    """

    version = VersionField()
    status = Incident.Status.DRAFT

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.incident = incident

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("version") not in (None, self.incident.version):
            raise ValidationError(STALE_MESSAGE)
        self.refuse_transition()
        if self.has_error("reason"):  # said already, by the field itself
            return cleaned
        changed = copy.copy(self.incident)
        changed.status = self.status
        changed.retraction_reason = self.new_reason()
        try:
            changed.full_clean(exclude=["path"])
        except ValidationError as error:
            copy_errors(error, self, {"retraction_reason": "reason"})
        return cleaned

    def refuse_transition(self):
        raise NotImplementedError

    def new_reason(self) -> str:
        return self.incident.retraction_reason

    def save(self, *, user) -> Incident:
        """Each form applies its transition through its service."""
        raise NotImplementedError


class PublishForm(StatusForm):
    """Makes a draft readable by everyone."""

    status = Incident.Status.PUBLISHED

    def save(self, *, user) -> Incident:
        return services.publish_incident(
            incident=self.incident, user=user, version=self.cleaned_data["version"]
        )

    def refuse_transition(self):
        if self.incident.status != Incident.Status.DRAFT:
            status = self.incident.get_status_display().lower()
            raise ValidationError(
                f"Only a draft can be published; this incident is {status}."
            )


class RetractForm(StatusForm):
    """Withdraws an incident with a reason; the record and its history stay."""

    status = Incident.Status.RETRACTED
    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the incident is retracted."},
        help_text="Readers see it on the incident page.",
        validators=[no_markup],
    )

    def refuse_transition(self):
        if self.incident.status == Incident.Status.RETRACTED:
            raise ValidationError("This incident is already retracted.")

    def new_reason(self) -> str:
        return self.cleaned_data.get("reason", "")

    def save(self, *, user) -> Incident:
        return services.retract_incident(
            incident=self.incident,
            user=user,
            reason=self.new_reason(),
            version=self.cleaned_data["version"],
        )
