"""The importer's benchmark (issue 10): UCDP GED files into PostgreSQL.

1. The real UCDP Pakistan file (tests/data/ucdp, 6,416 events) into an empty
   database, tallies included: seconds (goal: under 10 s).
2. A UCDP-layout file of `--events` events (100,000 by default), made from
   the Pakistan file's rows with new ids and varied figures, into an empty
   database: seconds and claims per second (goal: 20,000 claims/s).
3. The same file again: nothing to change.

Run from the repository root (`make bench-import` does):

    .venv/bin/python bench/imports.py --events 100000

The database (BENCH_IMPORT_DATABASE_URL, default .../tracker_bench_import) is
dropped and made again for each import.
"""

import argparse
import csv
import os
import random
import sys
from pathlib import Path
from urllib.parse import urlparse

from run import ROOT, manage, sql, timed_manage

PAKISTAN = ROOT / "tests" / "data" / "ucdp" / "ucdp_ged_pakistan_v22_1_hdx.csv"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tracker_bench_import"
GOALS = {"pakistan": 10.0, "rate": 20_000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--out", default="/tmp/ucdp_bench.csv")
    args = parser.parse_args()
    url = os.environ.get("BENCH_IMPORT_DATABASE_URL", DEFAULT_URL)

    rows = []
    fresh(url)
    seconds, claims, out = timed_import(url, PAKISTAN)
    rows.append(
        (
            "UCDP Pakistan file, empty database",
            f"{seconds:.1f} s ({claims:,} claims, {claims / seconds:,.0f} claims/s)",
            f"< {GOALS['pakistan']:.0f} s",
            "met" if seconds < GOALS["pakistan"] else "MISSED",
        )
    )
    path = Path(args.out)
    generate(path, args.events)
    fresh(url)
    seconds, claims, out = timed_import(url, path)
    rate = claims / seconds
    rows.append(
        (
            f"{args.events:,} events, empty database",
            f"{rate:,.0f} claims/s ({seconds:,.0f} s, {claims:,} claims)",
            f">= {GOALS['rate']:,} claims/s",
            f"{rate / GOALS['rate']:.2f}x goal",
        )
    )
    again, _, out = timed_import(url, path)
    rows.append(
        (
            f"{args.events:,} events again",
            f"{again:,.1f} s",
            "nothing changes",
            out.strip().splitlines()[0].split(";")[1].strip(),
        )
    )
    width = max(len(row[0]) for row in rows)
    print()
    for name, value, goal, verdict in rows:
        print(f"{name:<{width}}  {value:<48}  {goal:<20}  {verdict}")


def fresh(url: str) -> None:
    name = urlparse(url).path.strip("/")
    sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', database="postgres")
    sql(url, f'CREATE DATABASE "{name}"', database="postgres")
    manage(url, "migrate", "--noinput")


def timed_import(url: str, path: Path) -> tuple[float, int, str]:
    print(f"import_ucdp {path.name} ...", flush=True)
    seconds, _, out = timed_manage(url, "import_ucdp", str(path), "--no-progress")
    print(out.strip().splitlines()[0], flush=True)
    claims = sql(url, "SELECT count(*) FROM casualties_claim")[0][0]
    return seconds, claims, out


def generate(path: Path, events: int) -> None:
    """`events` rows in the Pakistan file's layout: its rows over and over,
    each with a new id and its deaths varied (best stays their sum)."""
    with PAKISTAN.open(newline="", encoding="utf-8") as source:
        reader = csv.DictReader(source)
        header = reader.fieldnames
        real = [row for row in reader if row["id"] and not row["id"].startswith("#")]
    rng = random.Random(1)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, header)
        writer.writeheader()
        for number in range(events):
            row = dict(real[number % len(real)])
            row["id"] = str(10_000_000 + number)
            deaths = {}
            for name in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"):
                value = int(row[name])
                deaths[name] = max(0, value + rng.randint(-1, 2)) if value else 0
            best = sum(deaths.values())
            row |= {name: str(value) for name, value in deaths.items()}
            row["best"] = str(best)
            row["low"] = str(max(0, best - rng.randint(0, 3)))
            row["high"] = str(best + rng.randint(0, 10))
            writer.writerow(row)
    print(f"generated {events:,} events in {path}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
