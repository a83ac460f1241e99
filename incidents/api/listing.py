"""The incident list's JSON, built from rows rather than model instances.

A page of 100 incidents through IncidentSerializer built some 700 model
instances (the incidents, their targets, actor roles, actors and headline
tallies) and ran DRF's nested field machinery over each: at 400,000
incidents that was two thirds of the request, against 15 ms of SQL. Here the
page's incidents come with their location in one query, and each
kind of nested item in one more query of plain tuples, assembled in the
serializer's own shape and field order. The detail, the writes and the schema
still use IncidentSerializer; a test holds the two representations equal on
every incident it makes.
"""

from collections import defaultdict

from rest_framework import serializers

from casualties.models import Tally, figures_for
from core.queries import one_of
from incidents.api.serializers import (
    HEADLINE_GROUP,
    HEADLINE_OUTCOMES,
    Gazetteer,
    headline_tallies,
)
from incidents.models import IncidentActor, ResponsibilityClaim, Target

# The columns of a listed incident: its own and its location's.
COLUMNS = (
    "id",
    "title",
    "summary",
    "type_id",
    "status",
    "start_date",
    "end_date",
    "date_precision",
    "location_id",
    "location__name",
    "location__path",
    "location__latitude",
    "location__longitude",
    "location_precision",
    "parent_id",
    "retraction_reason",
    "dataset",
    "external_id",
    "version",
    "created_at",
    "updated_at",
)

_date = serializers.DateField()
_datetime = serializers.DateTimeField()


def represent(
    rows: list[dict], user, gazetteer: Gazetteer, children: dict[int, int]
) -> list[dict]:
    """IncidentSerializer's representation of each row, with the targets,
    actor roles, claims of responsibility and headline tallies of all of them
    read in four queries."""
    ids = [row["id"] for row in rows]
    gazetteer.load(row["location__path"] for row in rows)
    targets = defaultdict(list)
    for incident, category, description in (
        one_of(Target.objects, "incident_id", ids)
        .order_by("category_id", "id")
        .values_list("incident_id", "category_id", "description")
    ):
        targets[incident].append({"category": category, "description": description})
    actors = defaultdict(list)
    for incident, actor, name, role in (
        one_of(IncidentActor.objects, "incident_id", ids)
        .order_by("role", "id")
        .values_list("incident_id", "actor_id", "actor__name", "role")
    ):
        actors[incident].append({"actor": actor, "name": name, "role": role})
    claims = defaultdict(list)
    for incident, actor, name, how, report in (
        one_of(ResponsibilityClaim.objects, "incident_id", ids)
        .order_by("id")
        .values_list("incident_id", "actor_id", "actor__name", "how", "report_id")
    ):
        claims[incident].append(
            {"actor": actor, "actor_name": name, "how": how, "report": report}
        )
    tallies = defaultdict(list)
    for tally in (
        one_of(Tally.objects.figures(figures_for(user)), "incident_id", ids)
        .filter(group_id=HEADLINE_GROUP, outcome_id__in=HEADLINE_OUTCOMES)
        .values_list(
            "incident_id", "group_id", "outcome_id", "low", "best", "high", "disputed"
        )
    ):
        tallies[tally[0]].append(_Headline(*tally[1:]))
    return [
        {
            "id": row["id"],
            "title": row["title"],
            "summary": row["summary"],
            "type": row["type_id"],
            "status": row["status"],
            "start_date": _date.to_representation(row["start_date"]),
            "end_date": _optional(_date, row["end_date"]),
            "date_precision": row["date_precision"],
            "location": _location(row, gazetteer),
            "parent": row["parent_id"],
            "children_count": children.get(row["id"], 0),
            "targets": targets[row["id"]],
            "actors": actors[row["id"]],
            "responsibility_claims": claims[row["id"]],
            "headline_tallies": headline_tallies(tallies[row["id"]]),
            "retraction_reason": row["retraction_reason"],
            "dataset": row["dataset"],
            "external_id": row["external_id"],
            "version": row["version"],
            "created_at": _datetime.to_representation(row["created_at"]),
            "updated_at": _datetime.to_representation(row["updated_at"]),
        }
        for row in rows
    ]


class _Headline:
    """A headline tally as `headline_tallies` reads one."""

    __slots__ = ("group_id", "outcome_id", "low", "best", "high", "disputed")

    def __init__(self, group_id, outcome_id, low, best, high, disputed):
        self.group_id, self.outcome_id = group_id, outcome_id
        self.low, self.best, self.high, self.disputed = low, best, high, disputed


def _optional(field, value):
    return None if value is None else field.to_representation(value)


def _location(row: dict, gazetteer: Gazetteer) -> dict | None:
    if row["location_id"] is None:
        return None
    admin1, country = gazetteer.admin1_and_country(row["location__path"])
    return {
        "id": row["location_id"],
        "name": row["location__name"],
        "admin1": admin1,
        "country_code": country,
        "latitude": row["location__latitude"],
        "longitude": row["location__longitude"],
        "precision": row["location_precision"],
    }
