"""Rebuild every stored tally from the claims; prints how many rows changed.

The tallies are kept current on every write, so on a healthy database this
prints "0 tallies changed"; anything else means a write went around the models.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from casualties.tallies import recompute_all


class Command(BaseCommand):
    help = "Recompute all stored tallies from the claims and report how many changed."

    def handle(self, *args, **options):
        with transaction.atomic():
            changed = recompute_all()
        noun = "tally" if changed == 1 else "tallies"
        self.stdout.write(f"{changed} {noun} changed")
