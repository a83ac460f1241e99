"""The json_agg baseline of issue 11: a bare WSGI app in which PostgreSQL
builds a page of the incident list as JSON, and Python only hands the text
on. The page is the API's own, field for field and in its formats (place with
province and country, targets, actors, claims of responsibility, child
counts, headline tallies, times as DRF writes them), with a bounded count;
bench/reads.py checks that the two pages' incidents are equal before timing
them. It is what the project's list is measured against: no Django, no
serializer, no model.

    gunicorn --chdir bench baseline:app   (BENCH_DATABASE_URL names the database)

`GET /incidents?page_size=100&page=1`: published incidents, newest first.
"""

import os
import threading
from urllib.parse import parse_qs

import psycopg

URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tracker_bench"
)
COUNT_AHEAD = 1000


def _time(column: str) -> str:
    """A timestamp as the API writes it (DRF's DateTimeField in UTC)."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
        f"date_trunc('second', {column}) = {column} THEN '' "
        f"ELSE to_char({utc}, '.US') END || 'Z'"
    )


# The same page as the API's: every field, in the API's formats (the bench
# checks that the two pages are equal). Each incident's nested items are
# read by a subquery; a version that read each kind for the whole page at
# once (CTEs, as incidents.api.listing does) cost PostgreSQL more here (4.4
# ms of CPU a page against 3.5).
PAGE = f"""
SELECT json_build_object(
  'count', (SELECT count(*) FROM (
     SELECT 1 FROM incidents_incident
     WHERE effective_status = 'published' AND status <> 'retracted'
     LIMIT %(bound)s) counted),
  'results', coalesce(json_agg(r), '[]'))::text
FROM (
  SELECT i.id, i.title, i.summary, i.type_id AS type, i.status, i.start_date,
    i.end_date, i.date_precision,
    CASE WHEN l.id IS NULL THEN NULL ELSE json_build_object(
      'id', l.id, 'name', l.name, 'admin1', g.admin1, 'country_code', g.country,
      'latitude', l.latitude, 'longitude', l.longitude,
      'precision', i.location_precision) END AS location,
    i.parent_id AS parent,
    (SELECT count(*) FROM incidents_incident c WHERE c.parent_id = i.id
      AND c.effective_status = 'published' AND c.status <> 'retracted')
      AS children_count,
    (SELECT coalesce(json_agg(json_build_object(
        'category', t.category_id, 'description', t.description)
        ORDER BY t.category_id, t.id), '[]')
      FROM incidents_target t WHERE t.incident_id = i.id) AS targets,
    (SELECT coalesce(json_agg(json_build_object(
        'actor', a.actor_id, 'name', x.name, 'role', a.role)
        ORDER BY a.role, a.id), '[]')
      FROM incidents_incidentactor a JOIN incidents_actor x ON x.id = a.actor_id
      WHERE a.incident_id = i.id) AS actors,
    (SELECT coalesce(json_agg(json_build_object(
        'actor', c.actor_id, 'actor_name', x.name, 'how', c.how,
        'report', c.report_id) ORDER BY c.id), '[]')
      FROM incidents_responsibilityclaim c
      JOIN incidents_actor x ON x.id = c.actor_id
      WHERE c.incident_id = i.id) AS responsibility_claims,
    json_build_object('killed', h.figures -> 'killed',
      'injured', h.figures -> 'injured') AS headline_tallies,
    i.retraction_reason, i.dataset, i.external_id, i.version,
    {_time("i.created_at")} AS created_at, {_time("i.updated_at")} AS updated_at
  FROM incidents_incident i
  LEFT JOIN incidents_location l ON l.id = i.location_id
  LEFT JOIN LATERAL (
    SELECT max(a.name) FILTER (WHERE a.kind = 'admin1') AS admin1,
      max(a.code) FILTER (WHERE a.kind = 'country') AS country
    FROM incidents_location a
    WHERE a.id = ANY(string_to_array(btrim(l.path, '/'), '/')::bigint[])) g ON true
  LEFT JOIN LATERAL (
    SELECT json_object_agg(t.outcome_id, json_build_object('low', t.low,
      'best', t.best, 'high', t.high, 'disputed', t.disputed)) AS figures
    FROM casualties_tally t WHERE t.incident_id = i.id AND t.group_id = 'all'
      AND t.outcome_id IN ('killed', 'injured')
      AND t.scope IN ('both', 'published')) h ON true
  WHERE i.effective_status = 'published' AND i.status <> 'retracted'
  ORDER BY i.start_date DESC, i.id DESC
  LIMIT %(size)s OFFSET %(offset)s
) r
"""

_local = threading.local()


def _connection() -> psycopg.Connection:
    connection = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        connection = _local.connection = psycopg.connect(URL, autocommit=True)
        connection.execute("SET jit = off")
    return connection


def app(environ, start_response):
    if environ.get("PATH_INFO") != "/incidents":
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    query = parse_qs(environ.get("QUERY_STRING", ""))
    size = min(int(query.get("page_size", ["50"])[0]), 1000)
    page = int(query.get("page", ["1"])[0])
    with _connection().cursor() as cursor:
        cursor.execute(
            PAGE,
            {
                "size": size,
                "offset": (page - 1) * size,
                "bound": page * size + COUNT_AHEAD + 1,
            },
        )
        (body,) = cursor.fetchone()
    data = body.encode()  # the text PostgreSQL built
    start_response(
        "200 OK",
        [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
    )
    return [data]
