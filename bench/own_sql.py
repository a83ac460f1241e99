"""The project's own SQL for the incident list, served bare (issue 11): a
WSGI app that runs the two statements the API runs for a page (its head of
ids with the bounded count, then the page's JSON, built by PostgreSQL) and
hands the text on, with no Django, DRF or middleware in the request.

The json_agg baseline (bench/baseline.py) is hand-written SQL, which costs
PostgreSQL more than the API's own statements; measured against this app as
well, the project's share says what Django, DRF and the rest of the request
cost, and nothing else.

At start it asks the API for the page once, through Django's test client
with a researcher's token (BENCH_TOKEN), and keeps the statements it ran;
each request then runs them with psycopg alone.

    gunicorn --chdir bench own_sql:app   (DATABASE_URL, BENCH_TOKEN)

`GET /incidents`: the API's `incidents/?page_size=100`.
"""

import json
import os
import threading

import psycopg

PATH = "/api/v1/incidents/?page_size=100"


def _statements() -> tuple[str, str]:
    """The head's statement and the page's, as the API ran them, with their
    placeholders in psycopg's style."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Token {os.environ['BENCH_TOKEN']}")
    client.get(PATH)  # the statements' first run; the second is captured
    with CaptureQueriesContext(connection) as ran:
        response = client.get(PATH)
    if response.status_code != 200:
        raise RuntimeError(f"{PATH}: HTTP {response.status_code}")
    connection.close()
    texts = [query["sql"] for query in ran.captured_queries]
    head = next(text for text in texts if "count(*) OVER ()" in text)
    page = next(text for text in texts if text.startswith("WITH page_ids"))
    return tuple(text.replace("%", "%%").replace("$1", "%s") for text in (head, page))


HEAD, PAGE = _statements()
URL = os.environ["DATABASE_URL"]
SIZE = 100
BOUND = SIZE + 1000
_local = threading.local()


def _connection() -> psycopg.Connection:
    connection = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        connection = _local.connection = psycopg.connect(
            URL,
            autocommit=True,
            options="-c jit=off -c max_parallel_workers_per_gather=0",
        )
    return connection


def app(environ, start_response):
    if environ.get("PATH_INFO") != "/incidents":
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    with _connection().cursor() as cursor:
        cursor.execute(HEAD, (SIZE,))
        rows = cursor.fetchall()
        cursor.execute(PAGE, ("{" + ",".join(str(row[0]) for row in rows) + "}",))
        (text,) = cursor.fetchone()
    count = rows[0][-1] if rows else 0
    envelope = json.dumps(
        {
            "count": count,
            "count_exact": count <= BOUND,
            "next": "http://127.0.0.1/api/v1/incidents/?page=2&page_size=100"
            if count > SIZE
            else None,
            "previous": None,
            "results": None,
        }
    )
    data = (envelope[: -len("null}")] + text + "}").encode()
    start_response(
        "200 OK",
        [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
    )
    return [data]
