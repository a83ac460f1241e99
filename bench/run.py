"""The tally engine's benchmark: rebuild rate, write latency, statements, races.

Measures what issue 8 sets goals for, at the size it names, on PostgreSQL:

1. `recompute_tallies` from empty (tally tables truncated): claims per second
   and the peak memory of the process; then again with nothing to change.
2. A claim write through the API (POST, tally update included) against a
   gunicorn server: p50 and p95 over a few hundred writes on deep leaves, and
   the same on an empty database (one deep tree only).
3. The SQL statements one claim write runs, on a top-level incident and on a
   leaf six levels down (they must be the same).
4. 200 claim writes at once (creates, edits, assessments, retractions) on the
   children and grandchildren of one umbrella through gunicorn with four
   workers: the 5xx count, then `recompute_tallies --check`.

Run from the repository root (`make bench` does):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench \\
        .venv/bin/python bench/run.py --incidents 400000

The databases are created and migrated when missing; `--fresh` drops them
first. Generating 400,000 incidents takes a few minutes (bench/generate.py).
"""

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tracker_bench"
GOALS = {
    "rate": 20_000,  # claims/s, at least
    "p50": 30.0,  # ms, at most
    "empty_ratio": 1.5,  # loaded p50 / empty p50, at most
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=400_000)
    parser.add_argument("--writes", type=int, default=300, help="timed POSTs")
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild")
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="recompute_tallies --jobs (default: one per core)",
    )
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["recompute", "writes", "race"]
    )
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        sys.exit("The benchmark runs on PostgreSQL: set DATABASE_URL to one.")
    empty_url = url.rsplit("/", 1)[0] + "/" + urlparse(url).path.strip("/") + "_empty"
    results: list[tuple[str, str, str, str]] = []

    prepare(url, args.incidents, fresh=args.fresh)
    prepare(empty_url, 0, fresh=True)
    claims = count_claims(url)
    print(f"bench database: {claims:,} claims", flush=True)

    if "recompute" not in args.skip:
        results += bench_recompute(url, claims, args.jobs)
    if "writes" not in args.skip:
        results += bench_writes(url, empty_url, args.writes)
    if "race" not in args.skip:
        results += bench_race(url)
    print_table(results, args.incidents, claims)


# --- databases --------------------------------------------------------------------


def env(url: str, **extra) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "benchmark-only-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "CONN_MAX_AGE": "600",
        **extra,
    }


def manage(
    url: str, *command: str, check=True, **kwargs
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", *command],
        cwd=ROOT,
        env=env(url),
        check=check,
        text=True,
        capture_output=True,
        **kwargs,
    )


def sql(url: str, statement: str, *, database: str | None = None) -> list[tuple]:
    """Run one statement (autocommit) on the database of `url`, or another one."""
    target = url if database is None else url.rsplit("/", 1)[0] + "/" + database
    with psycopg.connect(target, autocommit=True) as connection:
        cursor = connection.execute(statement)
        return cursor.fetchall() if cursor.description else []


def prepare(url: str, incidents: int, *, fresh: bool) -> None:
    name = urlparse(url).path.strip("/")
    exists = sql(
        url, f"SELECT 1 FROM pg_database WHERE datname = '{name}'", database="postgres"
    )
    if fresh and exists:
        sql(url, f'DROP DATABASE "{name}" WITH (FORCE)', database="postgres")
        exists = []
    if not exists:
        sql(url, f'CREATE DATABASE "{name}"', database="postgres")
    manage(url, "migrate", "--noinput")
    manage(url, "create_demo_accounts", "--force")
    if incidents and count_incidents(url) == 0:
        print(f"generating {incidents:,} incidents ...", flush=True)
        subprocess.run(
            [PYTHON, "bench/generate.py", "--incidents", str(incidents), "--seed", "1"],
            cwd=ROOT,
            env=env(url),
            check=True,
        )


def count_incidents(url: str) -> int:
    return sql(url, "SELECT count(*) FROM incidents_incident")[0][0]


def count_claims(url: str) -> int:
    return sql(url, "SELECT count(*) FROM casualties_claim")[0][0]


# --- 1. the rebuild ---------------------------------------------------------------


# Runs a command and prints the peak memory of it and its children (the
# workers of --jobs), in KB, as its last line on stderr.
PEAK = (
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)"
    "; sys.exit(code)"
)


def timed_manage(url: str, *command: str) -> tuple[float, float, str]:
    """Seconds, peak resident MB (of the largest process), and the output."""
    started = time.monotonic()
    done = subprocess.run(
        [PYTHON, "-c", PEAK, PYTHON, "manage.py", *command],
        cwd=ROOT,
        env=env(url),
        text=True,
        capture_output=True,
    )
    seconds = time.monotonic() - started
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    *errors, peak = done.stderr.strip().splitlines()
    return seconds, int(peak) / 1024, done.stdout + "\n".join(errors)


def bench_recompute(url: str, claims: int, jobs: int) -> list:
    sql(
        url,
        "TRUNCATE casualties_tally, casualties_tallychange, casualties_tallyrebuild "
        "RESTART IDENTITY",
    )
    print(f"recompute_tallies --jobs {jobs} from empty ...", flush=True)
    run = ("recompute_tallies", "--no-progress", "--jobs", str(jobs))
    seconds, peak, out = timed_manage(url, *run)
    rate = claims / seconds
    print(out.strip(), flush=True)
    rows = sql(url, "SELECT count(*) FROM casualties_tally")[0][0]
    again, peak_again, out_again = timed_manage(url, *run, "--restart")
    print(out_again.strip(), flush=True)
    check, _, out_check = timed_manage(url, *run, "--check")
    print(out_check.strip().splitlines()[-1], flush=True)
    return [
        (
            "recompute from empty",
            f"{rate:,.0f} claims/s ({seconds:,.0f} s, {rows:,} rows, "
            f"peak {peak:,.0f} MB)",
            f">= {GOALS['rate']:,} claims/s",
            f"{rate / GOALS['rate']:.2f}x goal",
        ),
        (
            "recompute, nothing to change",
            f"{claims / again:,.0f} claims/s ({again:,.0f} s, "
            f"peak {peak_again:,.0f} MB)",
            "-",
            out_again.split("(")[0].strip(),
        ),
        (
            "recompute --check",
            f"{check:,.0f} s",
            "0 differences",
            "0 differences" if "All stored" in out_check else "DIFFERENCES",
        ),
    ]


# --- 2. write latency ---------------------------------------------------------------


class Server:
    """gunicorn serving the project on a free port, against one database."""

    def __init__(self, url: str, workers: int, *options: str):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
                *options,
            ],
            cwd=ROOT,
            env=env(url),
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


class Client:
    """Keep-alive JSON over HTTP with a token."""

    def __init__(self, port: int, token: str):
        self.connection = HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
        }

    def send(self, method: str, path: str, body=None) -> tuple[int, dict | None]:
        data = None if body is None else json.dumps(body)
        self.connection.request(method, path, body=data, headers=self.headers)
        response = self.connection.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, None


def token(url: str, username: str) -> str:
    return manage(url, "issue_token", username).stdout.strip().split()[-1]


def shell(url: str, code: str) -> str:
    """What the code printed last."""
    out = manage(url, "shell", "--no-imports", "-v", "0", "-c", code).stdout
    return out.strip().splitlines()[-1]


LEAVES = """
from incidents.models import Incident
rows = Incident.objects.filter(depth__gte={depth}, effective_status="published")
print(list(rows.order_by("-depth", "pk").values_list("pk", flat=True)[:{count}]))
"""
DEEP_TREE = """
from incidents import services
incident = services.create_incident(
    user=None, title="root", type_id="attack", start_date="2026-01-31",
    status="published")
for level in range(6):
    incident = services.create_incident(
        user=None, title=f"level {level}", type_id="attack",
        start_date="2026-01-31", status="published", parent=incident)
print(incident.pk)
"""


def post_claims(port: int, key: str, incidents: list[int], count: int) -> list[float]:
    client = Client(port, key)
    rng = random.Random(8)
    latencies = []
    for n in range(count + 20):
        low = rng.randint(0, 50)
        body = {
            "incident": rng.choice(incidents),
            "side": rng.choice(["official", "perpetrator", "independent"]),
            "group": rng.choice(["civilians", "police", "militants", "all"]),
            "outcome": "killed",
            "low": low,
            "high": rng.choice([low, low + 4, None]),
        }
        started = time.perf_counter()
        status, answer = client.send("POST", "/api/v1/claims/", body)
        elapsed = (time.perf_counter() - started) * 1000
        if status != 201:
            raise RuntimeError(f"POST claims/ answered {status}: {answer}")
        if n >= 20:  # the first ones warm the worker up
            latencies.append(elapsed)
    return latencies


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


def bench_writes(url: str, empty_url: str, count: int) -> list:
    leaves = json.loads(shell(url, LEAVES.format(depth=3, count=200)).strip())
    deep = int(shell(empty_url, DEEP_TREE).strip())
    measured = {}
    for name, database, incidents in (
        ("loaded", url, leaves),
        ("empty", empty_url, [deep]),
    ):
        with Server(database, workers=1) as server:
            print(f"timing {count} claim POSTs ({name}) ...", flush=True)
            latencies = post_claims(
                server.port, token(database, "editor"), incidents, count
            )
        measured[name] = (percentile(latencies, 50), percentile(latencies, 95))
    statements = shell(url, STATEMENTS).strip().splitlines()[-1]
    p50, p95 = measured["loaded"]
    empty_p50, _ = measured["empty"]
    ratio = p50 / empty_p50
    return [
        (
            "claim POST, loaded",
            f"p50 {p50:.1f} ms, p95 {p95:.1f} ms",
            f"p50 <= {GOALS['p50']:.0f} ms",
            f"{p50 / GOALS['p50']:.2f}x goal",
        ),
        (
            "claim POST, empty database",
            f"p50 {empty_p50:.1f} ms (loaded/empty {ratio:.2f})",
            f"ratio <= {GOALS['empty_ratio']}",
            "met" if ratio <= GOALS["empty_ratio"] else "MISSED",
        ),
        ("statements per claim write", statements, "same at any depth", ""),
    ]


STATEMENTS = """
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from django.contrib.auth import get_user_model
from incidents.models import Incident

client = APIClient()
client.force_authenticate(get_user_model().objects.get(username="editor"))
counts = []
for depth in (0, 6):
    incident = Incident.objects.filter(depth=depth).order_by("pk").first()
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            answer = client.post("/api/v1/claims/", {"incident": incident.pk,
                "side": "official", "group": "police", "outcome": "killed",
                "low": 3, "high": 3}, format="json")
        assert answer.status_code == 201, answer.content
        tally = [q for q in queries.captured_queries if "casualties_tally" in q["sql"]]
        counts.append((incident.depth, len(queries), len(tally)))
        transaction.set_rollback(True)
print(", ".join(f"depth {d}: {n} ({t} on tallies)" for d, n, t in counts))
"""


# --- 4. many writes at once -------------------------------------------------------

UMBRELLA = """
from django.db.models import Count
from incidents.models import Incident
root = (Incident.objects.filter(parent=None, effective_status="published")
        .annotate(n=Count("children")).order_by("-n").first())
parts = Incident.objects.filter(root_id=root.pk, depth__in=[1, 2]).exclude(
    effective_status="retracted"
)
print(list(parts.values_list("pk", flat=True)))
"""


def bench_race(url: str) -> list:
    parts = json.loads(shell(url, UMBRELLA).strip())
    key = token(url, "editor")
    statuses: list[int] = []
    lock = threading.Lock()
    claim_ids: list[int] = []
    with Server(url, workers=4) as server:
        seed = Client(server.port, key)
        for incident in parts:  # something to edit and retract
            _, body = seed.send(
                "POST",
                "/api/v1/claims/",
                {
                    "incident": incident,
                    "side": "official",
                    "group": "civilians",
                    "outcome": "killed",
                    "low": 3,
                    "high": 3,
                },
            )
            claim_ids.append(body["id"])
        start = threading.Barrier(16)

        def work(n: int) -> None:
            client = Client(server.port, key)
            rng = random.Random(n)
            start.wait()
            for _ in range(200 // 16 + (1 if n < 200 % 16 else 0)):
                status = race_write(client, rng, parts, claim_ids)
                with lock:
                    statuses.append(status)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - started
    failures = sum(1 for status in statuses if status >= 500)
    _, _, out = timed_manage(url, "recompute_tallies", "--check", "--no-progress")
    differences = 0 if "All stored" in out else out.count("\n")
    kinds = ", ".join(f"{s}: {statuses.count(s)}" for s in sorted(set(statuses)))
    return [
        (
            f"{len(statuses)} concurrent writes",
            f"{failures} x 5xx in {seconds:.1f} s ({kinds})",
            "0 x 5xx",
            "met" if failures == 0 else "MISSED",
        ),
        (
            "check after the race",
            f"{differences} rows differ",
            "0 differences",
            "met" if differences == 0 else "MISSED",
        ),
    ]


def race_write(client: Client, rng: random.Random, parts, claim_ids) -> int:
    kind = rng.choice(["create", "create", "edit", "assess", "retract"])
    if kind == "create":
        low = rng.randint(0, 40)
        status, _ = client.send(
            "POST",
            "/api/v1/claims/",
            {
                "incident": rng.choice(parts),
                "side": rng.choice(["official", "perpetrator", "independent"]),
                "group": rng.choice(["civilians", "police", "militants", "all"]),
                "outcome": rng.choice(["killed", "injured"]),
                "low": low,
                "high": rng.choice([low, low + 5, None]),
            },
        )
        return status
    path = f"/api/v1/claims/{rng.choice(claim_ids)}/"
    status, body = client.send("GET", path)
    if status != 200:
        return status
    if kind == "retract":
        return client.send("DELETE", path, {"reason": "Benchmark race"})[0]
    change = {"assessment": rng.choice(["credible", "contested", "discounted"])}
    if kind == "edit":
        low = rng.randint(0, 40)
        change = {"low": low, "high": low + 2, "point": low}
    return client.send("PATCH", path, {**change, "version": body["version"]})[0]


def print_table(results, incidents: int, claims: int) -> None:
    print()
    print(
        f"Tally engine benchmark: {incidents:,} incidents, {claims:,} claims, "
        f"PostgreSQL, {os.cpu_count()} cores"
    )
    header = ("measure", "measured", "goal", "against the goal")
    widths = [max(len(str(row[i])) for row in [header, *results]) for i in range(4)]
    line = " | ".join(f"{{:<{width}}}" for width in widths)
    print(line.format(*header))
    print("-+-".join("-" * w for w in widths))
    for row in results:
        print(line.format(*row))


if __name__ == "__main__":
    main()
