"""The incident list side by side (issue 11): the project through gunicorn, a
bare WSGI app in which PostgreSQL builds the same page with json_agg
(bench/baseline.py, same gunicorn settings), the API's own statements served
bare (bench/own_sql.py), and Datasette serving a SQLite copy of the
incidents. Interleaved rounds: one client's latency (p50, p95),
then eight clients' throughput.
"""

import sqlite3
import statistics
import subprocess
import threading
import time
from http.client import HTTPConnection
from pathlib import Path

import psycopg
from run import PYTHON, ROOT, env

LIST = "page_size=100"
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
    "location_precision",
    "parent_id",
    "effective_status",
    "version",
    "created_at",
    "updated_at",
)


def sqlite_copy(url: str, path: Path) -> int:
    """The incidents copied into a new SQLite file, indexed for the list's
    order and filter; returns the rows copied."""
    path.unlink(missing_ok=True)
    lite = sqlite3.connect(path)
    lite.execute(
        "CREATE TABLE incidents (id INTEGER PRIMARY KEY, "
        + ", ".join(f"{column} TEXT" for column in COLUMNS[1:])
        + ")"
    )
    copied = 0
    with psycopg.connect(url) as pg, pg.cursor(name="copy") as cursor:
        cursor.itersize = 20_000
        cursor.execute(f"SELECT {', '.join(COLUMNS)} FROM incidents_incident")
        marks = ", ".join("?" * len(COLUMNS))
        while rows := cursor.fetchmany(20_000):
            lite.executemany(
                f"INSERT INTO incidents VALUES ({marks})",
                [[row[0], *map(_text, row[1:])] for row in rows],
            )
            copied += len(rows)
    lite.execute(
        "CREATE INDEX incidents_list ON incidents (effective_status, start_date, id)"
    )
    lite.commit()
    lite.close()
    return copied


def _text(value) -> str | None:
    return None if value is None else str(value)


class Process:
    """A server process on a free port, stopped on exit."""

    def __init__(
        self, command: list[str], port: int, url: str, quiet=False, **extra: str
    ):
        """`quiet`: the server's access log (Datasette's line per request)
        is left out of the bench's output. `extra`: more of its environment."""
        self.port = port
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env(url, **extra),
            stdout=subprocess.DEVNULL if quiet else None,
        )
        for _ in range(300):
            try:
                HTTPConnection("127.0.0.1", port, timeout=1).connect()
                return
            except OSError:
                time.sleep(0.1)
        self.process.kill()
        raise RuntimeError(f"{command[:4]} did not start")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)


def baseline(url: str, port: int, *workers: str) -> Process:
    return Process(_bare("baseline:app", port, workers), port, url)


def own_sql(url: str, port: int, token: str, *workers: str) -> Process:
    """bench/own_sql.py: the API's own statements for the page, served bare."""
    return Process(_bare("own_sql:app", port, workers), port, url, BENCH_TOKEN=token)


def _bare(app: str, port: int, workers: tuple[str, ...]) -> list[str]:
    """gunicorn serving a bare WSGI app of bench/, two workers as the
    project's."""
    return [
        PYTHON,
        "-m",
        "gunicorn",
        "--chdir",
        str(ROOT / "bench"),
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--log-level",
        "warning",
        *workers,
    ]


def datasette(path: Path, port: int, url: str) -> Process:
    command = [
        PYTHON,
        "-m",
        "datasette",
        "serve",
        str(path),
        "--port",
        str(port),
        "--setting",
        "default_page_size",
        "100",
        # Facet suggestions try every column on each page (up to 50 ms each):
        # the project suggests none, so neither does its rival here.
        "--setting",
        "suggest_facets",
        "off",
    ]
    return Process(command, port, url, quiet=True)


def datasette_list(path: Path) -> str:
    """Datasette's page of the same rows: published, newest first."""
    return (
        f"/{path.stem}/incidents.json?effective_status=published"
        "&_sort_desc=start_date&_size=100"
    )


def get(connection: HTTPConnection, path: str, headers: dict) -> int:
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    return response.status


def latencies(port: int, path: str, headers: dict, count: int) -> list[float]:
    """One keep-alive client, `count` requests in a row, in milliseconds."""
    connection = HTTPConnection("127.0.0.1", port, timeout=60)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        status = get(connection, path, headers)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}")
    connection.close()
    return times


def throughput(
    port: int, path: str, headers: dict, clients: int = 8, seconds: float = 10
) -> float:
    """Requests per second that `clients` keep-alive clients get answered."""
    done = [0] * clients
    failed = []
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        connection = HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < stop:
            try:
                status = get(connection, path, headers)
            except OSError:  # a worker closed an idle connection: reconnect
                connection.close()
                connection = HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            if status != 200:
                failed.append(status)
                return
            done[index] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failed:
        raise RuntimeError(f"{path}: HTTP {failed[0]}")
    return sum(done) / (time.monotonic() - started)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]
