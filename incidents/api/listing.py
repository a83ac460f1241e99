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

On PostgreSQL the JSON API's page goes further (`page_json`): the same
queries, as CTEs of one statement, and PostgreSQL writes the JSON text that
the renderer hands on (config.api.PreRendered). The browsable API, and
SQLite, take `represent`; a test holds the two equal.
"""

from collections import defaultdict

from django.db import connection
from django.utils import timezone
from rest_framework import serializers

from casualties.models import Tally, figures_for
from config.api import can_edit
from core.queries import Listed, array, one_of, prepared_cursor, written_in
from incidents.access import child_count_rows, visible_incidents
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
    for incident, category, description, _ in _targets(ids):
        targets[incident].append({"category": category, "description": description})
    actors = defaultdict(list)
    for incident, actor, name, role, _ in _actors(ids):
        actors[incident].append({"actor": actor, "name": name, "role": role})
    claims = defaultdict(list)
    for incident, actor, name, how, report, _ in _claims(ids):
        claims[incident].append(
            {"actor": actor, "actor_name": name, "how": how, "report": report}
        )
    tallies = defaultdict(list)
    for tally in _tallies(ids, user):
        tallies[tally[0]].append(_Headline(HEADLINE_GROUP, *tally[1:]))
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


# The nested items of a page's incidents: each query's columns end with the
# keys its items are ordered by, which `represent` drops and `page_json` sorts on.


def _targets(ids):
    return (
        one_of(Target.objects, "incident_id", ids)
        .order_by("category_id", "id")
        .values_list("incident_id", "category_id", "description", "id")
    )


def _actors(ids):
    return (
        one_of(IncidentActor.objects, "incident_id", ids)
        .order_by("role", "id")
        .values_list("incident_id", "actor_id", "actor__name", "role", "id")
    )


def _claims(ids):
    return (
        one_of(ResponsibilityClaim.objects, "incident_id", ids)
        .order_by("id")
        .values_list("incident_id", "actor_id", "actor__name", "how", "report_id", "id")
    )


def _tallies(ids, user):
    return (
        one_of(Tally.objects.figures(figures_for(user)), "incident_id", ids)
        .filter(group_id=HEADLINE_GROUP, outcome_id__in=HEADLINE_OUTCOMES)
        .values_list("incident_id", "outcome_id", "low", "best", "high", "disputed")
    )


def builds_json() -> bool:
    """Whether `page_json` can build the page here: on PostgreSQL, with times
    shown in UTC (its SQL writes them as DRF's DateTimeField does in UTC)."""
    return (
        connection.vendor == "postgresql"
        and timezone.get_current_timezone_name() == "UTC"
    )


def page_json(ids: list[int], user) -> str:
    """The JSON text of `represent`'s list for these ids, in their order,
    built by PostgreSQL in one query.

    Each part is the queryset `represent` reads (the page's rows as the user
    may see them, its nested items, the visible children, the figures the
    user reads), compiled into a CTE, so what is visible and which figures
    are read are decided in one place. At 400,000 incidents this takes the
    list from eleven queries and a Python dict per item, encoded again by the
    renderer, to two queries and text handed on."""
    with prepared_cursor() as cursor:
        cursor.execute(_statement(user), [array(ids)])
        return cursor.fetchone()[0]


def _statement(user) -> str:
    """The page's statement for this kind of reader: the figures they read
    (which also says whether they see drafts) and whether they edit (and so
    may see what was retracted), the two things its parts depend on.

    Compiled once per kind, since compiling its six querysets cost 3 ms of
    every page. Their values (a status, the figures' scopes) are written into
    it, so that the plan PostgreSQL keeps for the prepared statement can use
    the indexes made for them (the published figures' own: 2 ms of the
    page's 8 without). Its one parameter is the page's ids, which the parts
    name by the CTE `page_ids`."""
    key = (figures_for(user), can_edit(user))
    if key not in _STATEMENTS:
        page = Listed("page_ids")
        visible = visible_incidents(user, include_retracted=True)
        parts = {
            "r": (one_of(visible.values_list(*COLUMNS), "id", page), _ROW),
            "t": (_targets(page), ("incident", "category", "description", "id")),
            "a": (_actors(page), ("incident", "actor", "name", "role", "id")),
            "c": (
                _claims(page),
                ("incident", "actor", "name", "how", "report", "id"),
            ),
            "h": (_tallies(page, user), ("incident", "outcome", *_FIGURES)),
            "k": (child_count_rows(page, user), ("parent", "count")),
        }
        ctes = []
        for name, (queryset, columns) in parts.items():
            # Unordered: json_agg orders each array, and the page keeps its
            # ids' order.
            sql = written_in(*queryset.order_by().query.sql_with_params())
            ctes.append(f"{name}({', '.join(columns)}) AS ({sql})")
        _STATEMENTS[key] = _PAGE.format(
            ctes=",\n".join(ctes), areas=Gazetteer.sql("r.location_path")
        )
    return _STATEMENTS[key]


_STATEMENTS: dict[tuple[str, bool], str] = {}


_ROW = tuple(column.replace("__", "_") for column in COLUMNS)
_FIGURES = ("low", "best", "high", "disputed")


def _time(column: str) -> str:
    """A timestamp as DRF's DateTimeField gives it in UTC: ISO 8601, the
    microseconds only when there are some, and Z."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
        f"date_trunc('second', {column}) = {column} THEN '' "
        f"ELSE to_char({utc}, '.US') END || 'Z'"
    )


def _nested(name: str, keys: tuple[str, ...], order: str) -> str:
    """The items of each incident in `name`, as a JSON array per incident."""
    fields = ", ".join(f"'{key}', {name}.{column}" for key, column in keys)
    return (
        f"{name}j AS (SELECT {name}.incident, json_agg(json_build_object({fields}) "
        f"ORDER BY {order}) AS items FROM {name} GROUP BY {name}.incident)"
    )


def _headline(outcome: str) -> str:
    return f"'{outcome}', hj.figures -> '{outcome}'"


_PAGE = (
    "WITH page_ids(id, n) AS (\n"
    "  SELECT * FROM unnest(%s::bigint[]) WITH ORDINALITY),\n"
    "{ctes},\n"
    + ",\n".join(
        [
            _nested(
                "t",
                (("category", "category"), ("description", "description")),
                "t.category, t.id",
            ),
            _nested(
                "a",
                (("actor", "actor"), ("name", "name"), ("role", "role")),
                "a.role, a.id",
            ),
            _nested(
                "c",
                (
                    ("actor", "actor"),
                    ("actor_name", "name"),
                    ("how", "how"),
                    ("report", "report"),
                ),
                "c.id",
            ),
            "hj AS (SELECT h.incident, json_object_agg(h.outcome, json_build_object("
            + ", ".join(f"'{figure}', h.{figure}" for figure in _FIGURES)
            + ")) AS figures FROM h GROUP BY h.incident)",
        ]
    )
    + """
SELECT coalesce(json_agg(json_build_object(
  'id', r.id, 'title', r.title, 'summary', r.summary, 'type', r.type_id,
  'status', r.status, 'start_date', r.start_date, 'end_date', r.end_date,
  'date_precision', r.date_precision,
  'location', CASE WHEN r.location_id IS NULL THEN NULL ELSE json_build_object(
    'id', r.location_id, 'name', r.location_name, 'admin1', g.admin1,
    'country_code', g.country, 'latitude', r.location_latitude,
    'longitude', r.location_longitude, 'precision', r.location_precision) END,
  'parent', r.parent_id, 'children_count', coalesce(k.count, 0),
  'targets', coalesce(tj.items, '[]'), 'actors', coalesce(aj.items, '[]'),
  'responsibility_claims', coalesce(cj.items, '[]'),
  'headline_tallies', json_build_object("""
    + ", ".join(_headline(outcome) for outcome in HEADLINE_OUTCOMES)
    + f"""),
  'retraction_reason', r.retraction_reason, 'dataset', r.dataset,
  'external_id', r.external_id, 'version', r.version,
  'created_at', {_time("r.created_at")}, 'updated_at', {_time("r.updated_at")}
) ORDER BY p.n), '[]')::text
FROM page_ids p
JOIN r ON r.id = p.id
LEFT JOIN LATERAL ({{areas}}) g ON true
LEFT JOIN k ON k.parent = r.id
LEFT JOIN tj ON tj.incident = r.id
LEFT JOIN aj ON aj.incident = r.id
LEFT JOIN cj ON cj.incident = r.id
LEFT JOIN hj ON hj.incident = r.id"""
)


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
