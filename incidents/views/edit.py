"""The analyst's pages: create and edit an incident, pick its place from the
gazetteer, enter the claims of a report; and the editor's publish and retract.

Incidents are reached through `browse.get_visible_incident`, as on every page;
forms never take the incident from a posted field, only from the URL. Every
write that carries a version locks the row first and compares, so a stale
page is told so and changes nothing.
"""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from incidents import gazetteer
from incidents.access import (
    get_editable_incident,
    get_visible_incident,
    visible_incidents,
)
from incidents.actor_forms import NewActorForm
from incidents.api.serializers import Gazetteer
from incidents.base import Conflict
from incidents.claim_forms import (
    MAX_CLAIM_ROWS,
    ClaimEntry,
    ClaimSourceForm,
    ExtractForm,
    candidate_rows,
    claim_formset,
    highlighted,
)
from incidents.forms import (
    STALE_MESSAGE,
    IncidentForms,
    PublishForm,
    RetractForm,
    typed,
    unbound_like,
)
from incidents.models import Incident, Location
from sources.forms import NewSourceForm
from sources.models import Report

SEARCH_LIMIT = 20


class IncidentFormView(PermissionRequiredMixin, View):
    """Create an incident (a draft), or edit one; with its targets and actors."""

    template_name = "incidents/incident_form.html"

    def get_permission_required(self):
        if "pk" in self.kwargs:
            return ["incidents.change_incident"]
        return ["incidents.add_incident"]

    def get_incident(self) -> Incident | None:
        if "pk" not in self.kwargs:
            return None
        return get_editable_incident(self.request.user, self.kwargs["pk"])

    def get(self, request, pk=None):
        incident = self.get_incident()
        initial = self._from_parent() if incident is None else None
        forms = IncidentForms(user=request.user, instance=incident, initial=initial)
        return self.render(forms)

    def post(self, request, pk=None):
        incident = self.get_incident()
        forms = IncidentForms(user=request.user, instance=incident, data=request.POST)
        if forms.is_valid():
            try:
                saved = forms.save(user=request.user)
            except Conflict as conflict:
                forms.refuse_stale(conflict.current_version)
            except ValidationError as error:
                forms.incident.add_error(None, error)
            else:
                messages.success(request, "Incident saved.")
                return redirect("incidents:detail", saved.pk)
        return self.render(forms)

    def _from_parent(self) -> dict | None:
        """`?parent=<id>`: a sub-incident starts under it, of its type, dates
        and place; the analyst narrows them (a part is at or within its whole)."""
        parent_id = self.request.GET.get("parent", "")
        if not parent_id.isdigit():
            return None
        parent = (
            visible_incidents(self.request.user)
            .select_related("type", "location")
            .filter(pk=int(parent_id))
            .first()
        )
        if parent is None:
            return None
        return {
            "parent": parent,
            "type": parent.type,
            "start_date": parent.start_date,
            "end_date": parent.end_date,
            "date_precision": parent.date_precision,
            "location": parent.location,
            "location_precision": parent.location_precision,
        }

    def render(self, forms: IncidentForms):
        form = forms.incident
        location = form.chosen("location")
        return render(
            self.request,
            self.template_name,
            {
                "incident": forms.instance,
                # As stored: validation writes the input onto the instance.
                "stored_title": forms.stored_title,
                "form": form,
                "targets": forms.targets,
                "actors": forms.actors,
                "responsibility": forms.responsibility,
                "new_actor": NewActorForm(),
                "chosen_parent": form.chosen("parent"),
                "location_value": form["location"].value() or "",
                "chosen_location": _describe([location])[0] if location else None,
            },
        )


def _describe(places) -> list:
    """Each place with `area`: its district, province and country, in one query
    for all."""
    areas = Gazetteer()
    areas.load(place.path for place in places)
    for place in places:
        place.area = areas.area(place.path)
    return places


class LocationSearchView(PermissionRequiredMixin, View):
    """Gazetteer entries by name or ISO code, to pick one in the incident form.

    htmx gets the options (or, with `choose`, the picked entry in the form's
    field); a plain request gets a page to look numbers up in.
    """

    permission_required = "incidents.add_incident"

    def get(self, request):
        choose = request.GET.get("choose", "")
        if choose.isdigit():
            place = Location.objects.filter(pk=int(choose)).first()
            return render(
                request,
                "incidents/partials/location_choice.html",
                {
                    "location_value": place.pk if place else choose,
                    "chosen_location": _describe([place])[0] if place else None,
                    "picked": True,
                },
            )
        query = request.GET.get("q", "").strip()[:100]
        places = _describe(self._search(query)) if len(query) >= 2 else []
        template = (
            "incidents/partials/location_options.html"
            if request.htmx
            else "incidents/location_search.html"
        )
        return render(request, template, {"places": places, "query": query})

    def _search(self, query: str) -> list[Location]:
        return list(gazetteer.search(query)[:SEARCH_LIMIT])


class ParentSearchView(PermissionRequiredMixin, View):
    """Incidents by words of their title, to pick the parent in the incident
    form (htmx): the options, or with `choose` the picked one in the field."""

    permission_required = "incidents.add_incident"

    def get(self, request):
        visible = visible_incidents(request.user)
        choose = request.GET.get("choose", "")
        if choose.isdigit():
            parent = visible.filter(pk=int(choose)).first()
            return render(
                request,
                "incidents/partials/parent_choice.html",
                {
                    "parent_value": parent.pk if parent else choose,
                    "chosen_parent": parent,
                    "picked": True,
                },
            )
        query = request.GET.get("q", "").strip()[:100]
        found = []
        if len(query) >= 2:
            found = list(
                visible.filter(title__icontains=query)
                .select_related("location")
                .order_by("-start_date", "-id")[:SEARCH_LIMIT]
            )
        return render(
            request,
            "incidents/partials/parent_options.html",
            {"found": found, "query": query},
        )


class ClaimsView(PermissionRequiredMixin, View):
    """A batch of claims on an incident, typed or extracted from pasted text.

    "Extract" (htmx: only the rows are swapped) fills the rows from the text;
    "Add a row" adds one; "Save claims" saves every kept row, or none.
    """

    permission_required = "casualties.add_claim"
    template_name = "incidents/claims_form.html"
    entry_template = "incidents/partials/claim_entry.html"

    def get(self, request, pk):
        incident = get_editable_incident(request.user, pk)
        report = self._offered_report()
        source = ClaimSourceForm(
            incident=incident,
            offered_report=report.pk if report else None,
            initial={"report": report} if report else None,
        )
        extract = ExtractForm(initial={"text": report.excerpt if report else ""})
        return self.render(incident, extract, claim_formset(extra=1), source)

    def post(self, request, pk):
        incident = get_editable_incident(request.user, pk)
        action = request.POST.get("action", "save")
        if action in ("extract", "add_row"):
            return self._refill(incident, action)
        entry = ClaimEntry(incident=incident, data=request.POST)
        if entry.is_valid():
            claims = entry.save(user=request.user)
            saved = f"{len(claims)} claim{'s' if len(claims) != 1 else ''} saved"
            messages.success(request, f"{saved}; the tallies are up to date.")
            return redirect("incidents:detail", incident.pk)
        extract = ExtractForm(request.POST)
        extract.is_valid()
        return self.render(
            incident, extract, entry.rows, entry.source, duplicates=entry.duplicates
        )

    def _refill(self, incident, action):
        """Rows from the pasted text, or the rows as typed plus a blank one."""
        extract = ExtractForm(self.request.POST)
        pieces, found, left_over = None, 0, []
        if action == "extract":
            candidates = extract.candidates()
            if candidates is None:
                rows = claim_formset(extra=1)
            else:
                pieces = highlighted(extract.cleaned_data["text"], candidates)
                found = len(candidates)
                # The rows hold MAX_CLAIM_ROWS; the rest are listed, not dropped.
                left_over = candidates[MAX_CLAIM_ROWS:]
                initial = candidate_rows(candidates[:MAX_CLAIM_ROWS])
                rows = claim_formset(initial=initial, extra=len(initial) or 1)
        else:
            extract.is_valid()
            posted = claim_formset(self.request.POST)
            initial = [typed(form) for form in posted.forms[: MAX_CLAIM_ROWS - 1]]
            rows = claim_formset(initial=[*initial, {}], extra=len(initial) + 1)
        source = ClaimSourceForm(self.request.POST, incident=incident)
        return self.render(
            incident,
            extract,
            rows,
            unbound_like(source),
            pieces=pieces,
            found=found,
            left_over=left_over,
            max_rows=MAX_CLAIM_ROWS,
            action=action,
        )

    def _offered_report(self) -> Report | None:
        """`?report=<id>`: the report just added, to enter its figures."""
        report_id = self.request.GET.get("report", "")
        if not report_id.isdigit():
            return None
        return Report.objects.filter(
            pk=int(report_id), retracted_at__isnull=True
        ).first()

    def render(self, incident, extract, rows, source, *, action=None, **extra):
        context = {
            **extra,
            "incident": incident,
            "extract": extract,
            "rows": rows,
            "source": source,
            "action": action,
            "new_actor": NewActorForm(),
            "new_source": NewSourceForm(),
        }
        if self.request.htmx and action:
            return render(self.request, self.entry_template, context)
        return render(self.request, self.template_name, context)


class StatusView(PermissionRequiredMixin, View):
    """Publish or retract (editors): a confirmation page, and the POST that acts."""

    permission_required = "incidents.publish_incident"
    template_name = "incidents/incident_status_form.html"
    form_class: type[PublishForm | RetractForm]
    verb: str
    done: str

    def get(self, request, pk):
        incident = get_visible_incident(request.user, pk)
        form = self.form_class(incident=incident, initial={"version": incident.version})
        return self.render(incident, form)

    def post(self, request, pk):
        incident = get_visible_incident(request.user, pk)
        form = self.form_class(request.POST, incident=incident)
        if form.is_valid():
            try:
                form.save(user=request.user)
            except Conflict:
                form.add_error(None, STALE_MESSAGE)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, self.done)
                return redirect("incidents:detail", incident.pk)
        return self.render(incident, form)

    def render(self, incident, form):
        return render(
            self.request,
            self.template_name,
            {
                "incident": incident,
                "form": form,
                "verb": self.verb,
                "action": reverse(
                    self.request.resolver_match.view_name, args=[incident.pk]
                ),
            },
        )


class PublishView(StatusView):
    form_class = PublishForm
    verb = "Publish"
    done = "Published: every reader can see it now."


class RetractView(StatusView):
    form_class = RetractForm
    verb = "Retract"
    done = "Retracted: its figures have left every tally."


class NewActorView(PermissionRequiredMixin, View):
    """htmx: add a party from the claims page or the incident form; the answer
    replaces the little form, and on success adds the party to the page's
    lists (on the claims page, chosen as the claimant)."""

    permission_required = "incidents.add_actor"
    template_name = "incidents/partials/new_actor.html"

    def post(self, request):
        form = NewActorForm(request.POST)
        actor = form.save(user=request.user) if form.is_valid() else None
        page = request.POST.get("new_actor-page")
        page = "incident" if page == "incident" else "claims"
        context = {"form": form, "added": actor, "page": page}
        if actor is not None:
            context["form"] = NewActorForm()
        if actor is not None and page == "claims":
            # The claimant list again, the new party in it and chosen.
            claimant = ClaimSourceForm.base_fields["claimant"]
            context["claimant_select"] = claimant.widget.render(
                "claimant",
                actor.pk,
                attrs={"id": "id_claimant", "hx-swap-oob": "outerHTML"},
            )
        return render(request, self.template_name, context)
