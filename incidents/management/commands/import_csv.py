"""Import a CSV in our own incident export's layout (`incidents/?format=csv`),
another tracker's for instance: every row becomes an incident, under its
parent, with the exporting tracker's figures as claims. The mapping is in the
README ("Importing our own CSV") and incidents.interop.tracker."""

from incidents.interop import tracker
from incidents.interop.command import ImportCommand


class Command(ImportCommand):
    help = "Import incidents from a CSV file in this tracker's export layout."
    slug = tracker.DATASET
