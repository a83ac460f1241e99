"""Load the reference case of SPEC section 5 (idempotent) and show its root tallies."""

from django.apps import apps
from django.core.management.base import BaseCommand

from casualties.models import PUBLISHED, Tally
from casualties.reference_case import load_reference_case

COUNTED = (
    "incidents.Location",
    "incidents.Actor",
    "incidents.Incident",
    "incidents.IncidentActor",
    "incidents.Target",
    "sources.Source",
    "sources.Report",
    "casualties.Claim",
    "casualties.Tally",
)


class Command(BaseCommand):
    help = "Load the Balochistan reference case (SPEC section 5); safe to run again."

    def handle(self, *args, **options):
        before = _counts()
        root = load_reference_case()
        after = _counts()
        created = {
            label: after[label] - before[label]
            for label in COUNTED
            if after[label] != before[label]
        }
        if created:
            summary = ", ".join(
                f"{count} {apps.get_model(label)._meta.verbose_name_plural}"
                for label, count in created.items()
            )
            self.stdout.write(self.style.SUCCESS(f"Created {summary}."))
        else:
            self.stdout.write("The reference case was already loaded; nothing changed.")
        self.stdout.write(f"Root incident #{root.pk}: {root.title}")
        tallies = Tally.objects.figures(PUBLISHED).filter(incident=root)
        for tally in tallies.order_by("group", "outcome"):
            high = "open" if tally.high is None else tally.high
            flags = " disputed" if tally.disputed else ""
            self.stdout.write(
                f"  {tally.group_id}/{tally.outcome_id}: "
                f"{tally.low} / {tally.best} / {high}{flags} ({tally.status})"
            )


def _counts() -> dict[str, int]:
    return {label: apps.get_model(label)._default_manager.count() for label in COUNTED}
