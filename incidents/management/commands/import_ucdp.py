"""Import a UCDP GED CSV file (versions 22.1 and later, with or without HDX's
HXL row): every event becomes an incident with its figures as claims of UCDP.
The mapping is in the README ("Importing UCDP GED") and incidents.interop.ucdp.
Running a file again changes nothing; a newer version updates what changed."""

from incidents.interop import ucdp
from incidents.interop.command import ImportCommand


class Command(ImportCommand):
    help = "Import UCDP GED events from a CSV file."
    slug = ucdp.DATASET
