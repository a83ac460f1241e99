"""History tables indexed for the lookups the history pages make, no more.

django-simple-history copies every indexed column of a model into its
history table with the index, so a claim's history row kept fifteen indexes
(its claimant, side, group, outcome, party, ...), each written on every
change and never read: the history pages find rows by the record's id, and
an incident's parts by the incident. At 100,000 imported events those
indexes were a large share of the import's database time.
"""

from simple_history.models import HistoricalRecords


class History(HistoricalRecords):
    """History rows indexed by the record's id, `history_date` and
    `history_user` (simple_history's own), and by the fields named in
    `indexed` (an incident's parts: `incident`)."""

    def __init__(self, *, indexed=(), **kwargs):
        super().__init__(**kwargs)
        self.indexed = {"id", *indexed}

    def copy_fields(self, model):
        fields = super().copy_fields(model)
        for name, field in fields.items():
            if name not in self.indexed:
                field.db_index = False
        return fields
