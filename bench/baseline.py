"""The json_agg baseline of issue 11: a bare WSGI app in which PostgreSQL
builds a page of the incident list as JSON, in the API's shape (the same
columns, place, targets, actors, child counts and headline tallies, a bounded
count), and Python only hands the text on. It is what the project's list is
measured against: no Django, no serializer, no model.

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
PAGE = """
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
      'id', l.id, 'name', l.name, 'latitude', l.latitude,
      'longitude', l.longitude, 'precision', i.location_precision) END AS location,
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
    (SELECT json_object_agg(t.outcome_id, json_build_object('low', t.low,
        'best', t.best, 'high', t.high, 'disputed', t.disputed))
      FROM casualties_tally t WHERE t.incident_id = i.id AND t.group_id = 'all'
      AND t.outcome_id IN ('killed', 'injured')
      AND t.scope IN ('both', 'published')) AS headline_tallies,
    i.retraction_reason, i.dataset, i.external_id, i.version, i.created_at,
    i.updated_at
  FROM incidents_incident i
  LEFT JOIN incidents_location l ON l.id = i.location_id
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
