"""The incident list and the incident page: what every role may read."""

from dataclasses import dataclass
from itertools import groupby

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.views.generic import DetailView, ListView

from casualties.api.tallies import TABLE_ORDER
from casualties.models import (
    Claim,
    ClaimantSide,
    Tally,
    TallyChange,
    figures_for,
)
from config.api import can_edit
from core.filters import StrictBooleanField
from core.validators import moment
from incidents import history
from incidents.access import child_counts, get_visible_incident, visible_incidents
from incidents.filters import IncidentFilterSet
from incidents.models import ImportRecord
from sources.models import Report
from sources.services import reports_about

# The list shows these tallies of every incident, and whether any is disputed.
HEADLINE_GROUP = "all"
LISTED_TALLIES = Q(disputed=True) | Q(
    group_id=HEADLINE_GROUP, outcome_id__in=["killed", "injured"]
)
# How many changes the incident page shows.
HISTORY_PAGE_SIZE = 20
# Filters chosen by id among tables that grow large: a number box, not a <select>.
ID_FILTERS = ("parent", "location")
# Chosen by name from the table behind them; the value sent stays the API's
# (a slug, an id, a country code), so the list's address reads the same.
NAMED_FILTERS = ("type", "target", "country", "actor")
YES_NO = [("", "Either"), ("true", "Yes"), ("false", "No")]
FILTER_LABELS = {
    "search": "Search",
    "parent": "Parent incident (number)",
    "top_level": "Top-level only",
    "started_after": "Started on or after",
    "started_before": "Started on or before",
    "location": "Location (gazetteer number)",
    "country": "Country",
    "target": "Target",
    "actor": "Actor",
    "type": "Type",
    "status": "Status",
    "disputed": "Disputed",
    "bbox": "Bounding box",
    "include_retracted": "Include retracted",
    "ordering": "Order by",
}


class IncidentListView(LoginRequiredMixin, ListView):
    """Incidents through the API's filters, a page at a time."""

    template_name = "incidents/incident_list.html"
    context_object_name = "incidents"
    paginate_by = 25

    def get_queryset(self):
        incidents = (
            visible_incidents(self.request.user, include_retracted=True)
            .select_related("type", "location", "parent")
            .prefetch_related(
                Prefetch(
                    "tallies",
                    queryset=Tally.objects.figures(
                        figures_for(self.request.user)
                    ).filter(LISTED_TALLIES),
                    to_attr="listed_tallies",
                )
            )
        )
        self.filterset = IncidentFilterSet(
            self.request.GET, queryset=incidents, request=self.request
        )
        _make_readable(self.filterset.form, self.request.user)
        if not self.filterset.is_valid():
            return incidents.none()
        return self.filterset.qs

    def get_template_names(self):
        # htmx filtering swaps only the results, keeping focus in the form.
        if self.request.htmx and not self.request.htmx.boosted:
            return ["incidents/partials/incident_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(filterset=self.filterset, **kwargs)
        incidents = context["incidents"]
        children = child_counts([i.pk for i in incidents], self.request.user)
        for incident in incidents:
            _headline(incident)
            incident.children_count = children.get(incident.pk, 0)
        return context


def _headline(incident):
    """The list's figures: killed and injured for all victims, and disputes."""
    tallies = incident.listed_tallies
    incident.disputed = any(tally.disputed for tally in tallies)
    for tally in tallies:
        if tally.group_id == HEADLINE_GROUP:
            setattr(incident, tally.outcome_id, tally)


def _make_readable(form, user):
    """Labels and widgets for people: the FilterSet's own are made for the API."""
    if not can_edit(user):
        del form.fields["include_retracted"]
    for name, field in form.fields.items():
        field.label = FILTER_LABELS.get(name, field.label)
        if name in ID_FILTERS:
            field.widget = forms.NumberInput(attrs={"min": 1})
        elif name in NAMED_FILTERS:
            field.empty_label, field.help_text = "Any", ""  # the API's says "slug"
            field.widget = forms.Select(choices=field.choices)
        elif name.startswith("started_"):
            field.widget = forms.DateInput(attrs={"type": "date"})
        elif isinstance(field, StrictBooleanField):
            field.widget = forms.Select(choices=YES_NO)
        elif name == "bbox":
            field.widget = forms.TextInput(
                attrs={"placeholder": "min_lon,min_lat,max_lon,max_lat"}
            )


@dataclass
class ClaimGroup:
    """The claims about one victim group and outcome."""

    group: object
    outcome: object
    claims: list


class IncidentDetailView(LoginRequiredMixin, DetailView):
    """One incident: its sub-incidents, claims, tallies and history."""

    template_name = "incidents/incident_detail.html"
    context_object_name = "incident"

    def get_object(self, queryset=None):
        return get_visible_incident(self.request.user, self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        incident = self.object
        sides = {side.slug: side for side in ClaimantSide.objects.all()}
        which = figures_for(self.request.user)
        as_of, as_of_error = self._as_of()
        return super().get_context_data(
            subtree=self._subtree(incident),
            claim_groups=self._claim_groups(incident),
            reports=self._reports(incident),
            actor_roles=incident.actor_roles.select_related("actor").order_by(
                "role", "id"
            ),
            targets=incident.targets.select_related("category").order_by("id"),
            responsibility_claims=incident.responsibility_claims.select_related(
                "actor", "report__source"
            ).order_by("id"),
            figures=which,
            as_of=as_of,
            as_of_error=as_of_error,
            imported=ImportRecord.objects.filter(incident=incident)
            .select_related("run")
            .first(),
            tallies=self._tallies(incident, which, sides, as_of),
            history=self._history(incident),
            **kwargs,
        )

    def _subtree(self, incident):
        """The visible sub-incidents as nested nodes, each with `.subtree`."""
        below = (
            visible_incidents(self.request.user, include_retracted=True)
            .below(incident)
            .exclude(pk=incident.pk)
            .select_related("type", "location")
        )
        nodes = {incident.pk: incident}
        for node in below:
            node.subtree = []
            nodes[node.pk] = node
        incident.subtree = []
        for node in sorted(nodes.values(), key=lambda node: (node.start_date, node.pk)):
            parent = nodes.get(node.parent_id) if node is not incident else None
            if parent is not None:
                parent.subtree.append(node)
        return incident.subtree

    def _claim_groups(self, incident):
        claims = (
            Claim.objects.visible_to(self.request.user)
            .filter(incident=incident)
            .select_related("claimant", "side", "group", "outcome")
            .prefetch_related(
                Prefetch(
                    "reports",
                    queryset=Report.objects.select_related("source").order_by(
                        "source__name", "-published_at", "id"
                    ),
                )
            )
            .order_by("group", "outcome", "-side__rank", "id")
        )
        return [
            ClaimGroup(group=key[0], outcome=key[1], claims=list(items))
            for key, items in groupby(
                claims, key=lambda claim: (claim.group, claim.outcome)
            )
        ]

    def _reports(self, incident):
        """The reports read about this incident: those hung on it, with figures
        or not yet, and those its claims cite; each with its claims here."""
        claims = Claim.objects.visible_to(self.request.user).filter(incident=incident)
        return list(
            reports_about(incident, claims)
            .select_related("source")
            .annotate(
                figures=Count("claims", filter=Q(claims__in=claims), distinct=True)
            )
            .order_by("source__name", "-published_at", "id")
        )

    def _as_of(self):
        """`?as_of=DATE`: the figures as they stood then (or why not)."""
        text = self.request.GET.get("as_of")
        if not text:
            return None, None
        try:
            return moment(text), None
        except ValidationError as error:
            return None, f"{text}: {' '.join(error.messages)}"

    def _tallies(self, incident, which, sides, as_of=None):
        if as_of is not None:
            tallies = TallyChange.objects.as_of(as_of, incident=incident, which=which)
        else:
            tallies = list(
                Tally.objects.figures(which)
                .filter(incident=incident)
                .select_related("group", "outcome", "review__reviewed_by")
                .order_by(*TABLE_ORDER)
            )
        for tally in tallies:
            tally.sides = tally.named_sides(sides)
        return tallies

    def _history(self, incident):
        """A page of the feed the API's history endpoint serves
        (`incidents.history`): the incident, its claims and reports, reviews
        and tallies, newest first, `?history_page=N`."""
        rows = history.feed(history.incident_parts(incident, self.request.user))
        page = Paginator(rows, HISTORY_PAGE_SIZE).get_page(
            self.request.GET.get("history_page")
        )
        page.entries = history.entries(page.object_list)
        return page
