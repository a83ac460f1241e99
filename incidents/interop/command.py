"""What the import commands share: arguments, the progress bar, the summary."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from incidents.interop.datasets import IMPORTERS
from incidents.interop.fields import check_utf8
from incidents.interop.load import BATCH_SIZE, import_events
from incidents.interop.records import BadFile
from incidents.models import Incident

SHOWN = 1000


class ImportCommand(BaseCommand):
    """Subclasses name the dataset (a key of IMPORTERS)."""

    slug: str
    # The system checks load every URL module, the API's schema views with
    # them: over a second of a small import, and nothing an import reads.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="The CSV file.")
        parser.add_argument(
            "--user", help="The account the import is recorded under (username)."
        )
        parser.add_argument(
            "--draft",
            action="store_true",
            help="Import as drafts for analysts to check (default: published).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"Rows per transaction ({BATCH_SIZE}).",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Hide the progress bar."
        )

    def handle(self, *args, file, user, draft, batch_size, no_progress, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        path = Path(file)
        _check_readable(path)
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"No user named {user!r}.")
        bar = tqdm(
            unit=" rows",
            file=self.stderr._out,
            disable=True if no_progress else None,  # None: only on a terminal
            desc=f"importing {path.name}",
        )
        importer = IMPORTERS[self.slug]
        with path.open(encoding="utf-8-sig", newline="") as lines, bar:
            try:
                run = import_events(
                    dataset=importer.dataset,
                    items=importer.read(lines),
                    file_name=path.name,
                    user=account,
                    status=Incident.Status.DRAFT
                    if draft
                    else Incident.Status.PUBLISHED,
                    batch_size=batch_size,
                    progress=lambda rows: bar.update(rows - bar.n),
                )
            except BadFile as error:
                raise CommandError(f"{path.name}: {error}") from None
        self.stdout.write(summary(run, importer.label))


def _check_readable(path: Path) -> None:
    """Refuse a file that is missing or not UTF-8 before anything is written."""
    if not path.is_file():
        raise CommandError(f"{path}: no such file.")
    with path.open("rb") as data:
        try:
            check_utf8(data)
        except BadFile as error:
            raise CommandError(f"{path.name}: {error}") from None


def summary(run, label: str) -> str:
    lines = [
        f"{label} from {run.file_name}: {run.rows} rows; {run.created} created, "
        f"{run.updated} updated, {run.unchanged} unchanged, {len(run.flagged)} "
        f"flagged, {len(run.refused)} refused (import run {run.pk})."
    ]
    for title, items in (
        (
            "Flagged for review (figures kept as given in the import record; "
            "stored as the smallest interval that holds them):",
            run.flagged,
        ),
        ("Refused (nothing written for these rows):", run.refused),
    ):
        if not items:
            continue
        lines.append(title)
        lines.extend(
            f"  line {item['line']}, id {item['id'] or '-'}: "
            + " ".join(item["reasons"])
            for item in items[:SHOWN]
        )
        if len(items) > SHOWN:
            lines.append(f"  ... and {len(items) - SHOWN} more (import run {run.pk}).")
    return "\n".join(lines)
