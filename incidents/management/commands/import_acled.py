"""Import an ACLED CSV export (the standard columns): every event becomes an
incident with its fatalities as ACLED's conservative figure. The mapping is
in the README ("Importing ACLED") and incidents.interop.acled."""

from incidents.interop import acled
from incidents.interop.command import ImportCommand


class Command(ImportCommand):
    help = "Import ACLED events from a CSV file."
    slug = acled.DATASET
