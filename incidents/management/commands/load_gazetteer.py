"""Load countries and their first-level subdivisions (incidents.gazetteer)."""

from django.core.management.base import BaseCommand, CommandError

from incidents import gazetteer


class Command(BaseCommand):
    help = (
        "Load countries (PK) and their top-level subdivisions (PK-BA) from "
        "pycountry; every country if none is named."
    )

    def add_arguments(self, parser):
        parser.add_argument("country_codes", nargs="*", metavar="COUNTRY_CODE")

    def handle(self, *args, country_codes, **options):
        try:
            created, updated = gazetteer.load(country_codes)
        except gazetteer.UnknownCountry as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Locations: {created} created, {updated} updated.")
