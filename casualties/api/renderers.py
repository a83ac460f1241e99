"""`?format=csv` on the claim list: one row per claim, streamed.

Rows come from a values() iterator in chunks, and each chunk's source names
come from one more query, so memory and the number of queries per row stay
flat however many claims match (StringAgg would do it in SQL, but only on
PostgreSQL).
"""

from collections import defaultdict
from itertools import batched

from django.http import StreamingHttpResponse
from rest_framework import renderers

from casualties.models import Claim
from core.exports import csv_stream

CHUNK = 2000

COLUMNS = {
    "id": "id",
    "incident": "incident_id",
    "claimant_id": "claimant_id",
    "claimant": "claimant__name",
    "side": "side_id",
    "group": "group_id",
    "outcome": "outcome_id",
    "low": "low",
    "high": "high",
    "point": "point",
    "wording": "wording",
    "asserted_at": "asserted_at",
    "period_start": "period_start",
    "period_end": "period_end",
    "period_label": "period_label",
    "supersedes": "supersedes_id",
    "assessment": "assessment",
    "assessment_note": "assessment_note",
    "retracted_at": "retracted_at",
    "retraction_reason": "retraction_reason",
    "version": "version",
}
HEADER = [*COLUMNS, "sources"]


class CSVRenderer(renderers.BaseRenderer):
    """Announces text/csv for content negotiation; the view streams the body."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        raise NotImplementedError("CSV is streamed by the view, not rendered.")


def claim_chunks(claims):
    """Lists of up to CHUNK tuples in HEADER order; `sources` is the "; "-joined
    distinct source names of the claim's reports."""
    rows = claims.prefetch_related(None).values_list(*COLUMNS.values())
    for chunk in batched(rows.iterator(chunk_size=CHUNK), CHUNK):
        names = _source_names([row[0] for row in chunk])
        yield [(*row, "; ".join(names.get(row[0], ()))) for row in chunk]


def _source_names(claim_ids) -> dict[int, list[str]]:
    names = defaultdict(list)
    links = (
        Claim.reports.through.objects.filter(claim_id__in=claim_ids)
        .values_list("claim_id", "report__source__name")
        .order_by("claim_id", "report__source__name")
        .distinct()
    )
    for claim_id, name in links:
        names[claim_id].append(name)
    return names


def csv_response(claims, filename="claims.csv") -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_stream(HEADER, (row for chunk in claim_chunks(claims) for row in chunk)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
