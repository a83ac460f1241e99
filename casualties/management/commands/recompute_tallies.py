"""Rebuild every stored tally from the claims, or check that none differs.

The tallies are kept current on every write, so on a healthy database a run
prints "0 tally rows changed" and `--check` finds no difference; anything else
means a write went around the services (or the taxonomy changed, which is
what a run is for). A run works through the trees in batches, each in its
own transaction, and records how far it got: stop it at any point and run it
again, and it carries on from the next batch (`--restart` starts over).
"""

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from casualties import engine

SHOWN = 50


class Command(BaseCommand):
    help = "Recompute every stored tally from the claims (or --check them)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Report the rows that differ from a full recompute and change "
            "nothing; exits with status 1 when any differ.",
        )
        parser.add_argument(
            "--restart",
            action="store_true",
            help="Start over instead of resuming an interrupted run.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=2000,
            help="Trees read, reconciled and written per transaction (2000).",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help="Processes working on batches side by side (1).",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Hide the progress bar."
        )

    def handle(self, *args, check, restart, batch_size, jobs, no_progress, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if jobs < 1:
            raise CommandError("--jobs must be at least 1.")
        bar = tqdm(
            unit=" trees",
            file=self.stderr._out,
            disable=True if no_progress else None,  # None: only on a terminal
            desc="checking" if check else "recomputing",
        )

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        started = time.monotonic()
        with bar:
            result = engine.recompute(
                batch_size=batch_size,
                check=check,
                restart=restart,
                progress=progress,
                jobs=jobs,
            )
        seconds = max(time.monotonic() - started, 1e-9)
        rate = f"{result.claims} claims in {result.trees} trees, "
        rate += f"{result.claims / seconds:,.0f} claims/s"
        if not check:
            noun = "row" if result.changed == 1 else "rows"
            self.stdout.write(f"{result.changed} tally {noun} changed ({rate})")
            return
        for line in result.differences[:SHOWN]:
            self.stdout.write(line)
        if len(result.differences) > SHOWN:
            self.stdout.write(f"... and {len(result.differences) - SHOWN} more")
        if result.differences:
            raise CommandError(
                f"{len(result.differences)} stored tally rows differ from a full "
                "recompute; run recompute_tallies to rebuild them."
            )
        self.stdout.write(f"All stored tallies match a full recompute ({rate}).")
