"""Reads at scale (issue 11): the API lists, filters, exports and the
dashboard, through gunicorn as the README runs it, at 400,000 incidents.

Each request is timed over several interleaved rounds by one client with a
researcher's token, against gunicorn with two threaded workers
and DEBUG off; the table gives the median and the slowest round beside each
goal. Then the whole incident CSV is streamed once: rows, seconds, and
whether it arrived whole.

Not yet here (issue 11 asks for them): the json_agg and Datasette baselines
in the same run, and 8 concurrent clients.

Run from the repository root (`make bench-reads` does):

    .venv/bin/python bench/reads.py --rounds 7

It uses the engine benchmark's database (BENCH_DATABASE_URL, default
.../tracker_bench), generating 400,000 incidents and their tallies if it is
empty.
"""

import argparse
import functools
import os
import statistics
import sys
import time
from http.client import HTTPConnection

from run import (
    DEFAULT_URL,
    Client,
    Server,
    count_incidents,
    manage,
    prepare,
    sql,
    token,
)

# (label, path, goal in ms for the median)
READS = [
    ("incidents/?page_size=100", "/api/v1/incidents/?page_size=100", 30),
    (
        "incidents/?page_size=100&cursor=start",
        "/api/v1/incidents/?page_size=100&cursor=start",
        30,
    ),
    (
        "incidents/?page_size=100&page=3000",
        "/api/v1/incidents/?page_size=100&page=3000",
        30,
    ),
    ("search=quarry", "/api/v1/incidents/?search=quarry", 50),
    ("disputed=true", "/api/v1/incidents/?disputed=true", 50),
    ("bbox", "/api/v1/incidents/?bbox=60,24,70,32", 50),
    (
        "country=PK&started_after=2024-01-01",
        "/api/v1/incidents/?country=PK&started_after=2024-01-01",
        50,
    ),
    (
        "tallies/?top_level=true&group=all&outcome=killed",
        "/api/v1/tallies/?top_level=true&group=all&outcome=killed",
        50,
    ),
    (
        "stats/?interval=month&outcome=killed",
        "/api/v1/stats/?interval=month&outcome=killed",
        50,
    ),
]
WORKERS = ("--worker-class", "gthread", "--threads", "4")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=400_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    prepare(url, args.incidents, fresh=False)
    if not sql(url, "SELECT EXISTS (SELECT 1 FROM casualties_tally)")[0][0]:
        print("computing tallies ...", flush=True)
        manage(url, "recompute_tallies", "--no-progress", "--jobs", "2")
    manage(url, "collectstatic", "--noinput")  # DEBUG off: the pages need them
    incidents = count_incidents(url)
    key = token(url, "researcher")
    deep = sql(
        url,
        "SELECT start_date, id FROM incidents_incident "
        "ORDER BY start_date DESC, id DESC OFFSET 299899 LIMIT 1",
    )
    if deep:  # where page 3000 of 100 starts, as a cursor
        day, pk = deep[0]
        READS.insert(
            3,
            (
                "incidents/?page_size=100&cursor=(row 299,900)",
                f"/api/v1/incidents/?page_size=100&cursor={day.isoformat()}_{pk}",
                30,
            ),
        )
    rows = []
    with Server(url, 2, *WORKERS) as server:
        times = {label: [] for label, _, _ in READS}
        for _ in range(args.rounds):
            for label, path, _ in READS:
                # A connection each: a threaded worker closes an idle one
                # after 2 s, and the dashboard between rounds takes longer.
                client = Client(server.port, key)
                started = time.perf_counter()
                status, _ = client.send("GET", path)
                times[label].append((time.perf_counter() - started) * 1000)
                if status != 200:
                    sys.exit(f"{path}: HTTP {status}")
            times.setdefault("dashboard /", []).append(dashboard(server.port))
        goals = {label: goal for label, _, goal in READS} | {"dashboard /": 100}
        for label, measured in times.items():
            median, slowest = statistics.median(measured), max(measured)
            goal = goals[label]
            rows.append(
                (
                    label,
                    f"{median:,.0f} ms (slowest {slowest:,.0f})",
                    f"<= {goal} ms",
                    f"{median / goal:.1f}x the goal" if median > goal else "met",
                )
            )
        rows.append(export(server.port, key))
    print(f"\n{incidents:,} incidents, PostgreSQL, gunicorn 2 threaded workers")
    width = max(len(row[0]) for row in rows)
    for label, measured, goal, verdict in rows:
        print(f"{label:<{width}}  {measured:<28}  {goal:<12}  {verdict}")


def dashboard(port: int) -> float:
    """The dashboard page as the researcher sees it (a session, not a token)."""
    connection = HTTPConnection("127.0.0.1", port, timeout=600)
    cookie = _session_cookie()
    started = time.perf_counter()
    connection.request("GET", "/", headers={"Cookie": cookie})
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        sys.exit(f"dashboard: HTTP {response.status}")
    return (time.perf_counter() - started) * 1000


@functools.cache
def _session_cookie() -> str:
    """A researcher's session, made once in the database (no login round)."""
    code = (
        "from django.contrib.auth import get_user_model;"
        "from importlib import import_module;"
        "from django.conf import settings;"
        "s = import_module(settings.SESSION_ENGINE).SessionStore();"
        "u = get_user_model().objects.get(username='researcher');"
        "s['_auth_user_id'] = str(u.pk);"
        "s['_auth_user_backend'] = 'django.contrib.auth.backends.ModelBackend';"
        "s['_auth_user_hash'] = u.get_session_auth_hash();"
        "s.create(); print(s.session_key)"
    )
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    key = manage(url, "shell", "-c", code).stdout.strip().split()[-1]
    return f"sessionid={key}"


def export(port: int, key: str) -> tuple[str, str, str, str]:
    """The whole incident CSV, streamed: rows, seconds, and whether it ended
    with its last row (a killed worker cuts it off, still answering 200)."""
    connection = HTTPConnection("127.0.0.1", port, timeout=3600)
    started = time.perf_counter()
    headers = {"Authorization": f"Token {key}"}
    connection.request("GET", "/api/v1/incidents/?format=csv", headers=headers)
    response = connection.getresponse()
    lines, whole = 0, True
    try:
        while chunk := response.read(1 << 20):
            lines += chunk.count(b"\n")
    except Exception:  # the connection dropped mid-stream
        whole = False
    seconds = time.perf_counter() - started
    return (
        "incidents/?format=csv, all rows",
        f"{lines - 1:,} rows in {seconds:,.0f} s",
        "all rows",
        "met" if whole and response.status == 200 else "CUT OFF",
    )


if __name__ == "__main__":
    sys.exit(main())
