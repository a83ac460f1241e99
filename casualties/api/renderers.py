"""`?format=csv` on the claim and tally lists: one row per claim or tally,
streamed.

Rows come from a values() iterator in chunks, and each chunk's source names
come from one more query, so memory and the number of queries per row stay
flat however many claims match (StringAgg would do it in SQL, but only on
PostgreSQL).
"""

from collections import defaultdict
from itertools import batched

from django.http import StreamingHttpResponse
from rest_framework import renderers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from casualties.models import Claim
from core.exports import csv_stream

CHUNK = 2000

COLUMNS = {
    "id": "id",
    "incident": "incident_id",
    "claimant_id": "claimant_id",
    "claimant": "claimant__name",
    "party_id": "party_id",
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


class CSVListMixin:
    """`?format=csv` on a list: the whole filtered list, streamed by
    `csv_response(queryset)`; errors (a bad filter) still answered in JSON."""

    def csv_response(self, queryset) -> StreamingHttpResponse:
        raise NotImplementedError

    def get_renderers(self):
        renderers = super().get_renderers()
        # An unsupported method (no action) must still reach its 405.
        if self.action in ("list", None):
            renderers.append(CSVRenderer())
        return renderers

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format == CSVRenderer.format:
            self.paginator.check(request)
            return self.csv_response(self.filter_queryset(self.get_queryset()))
        return super().list(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        renderer = getattr(request, "accepted_renderer", None)
        if isinstance(response, Response) and isinstance(renderer, CSVRenderer):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


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
    rows = (row for chunk in claim_chunks(claims) for row in chunk)
    return _streamed(csv_stream(HEADER, rows), filename)


def _streamed(content, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


TALLY_COLUMNS = {
    "id": "id",
    "incident": "incident_id",
    "incident_title": "incident__title",
    "group": "group_id",
    "outcome": "outcome_id",
    "low": "low",
    "best": "best",
    "high": "high",
    "disputed": "disputed",
    "inconsistent": "inconsistent",
    "unattributed": "unattributed",
    "claims": "claims",
    "sources": "sources",
    "status": "status",
    "updated_at": "updated_at",
}


def tally_csv_response(tallies, sides: list[str]) -> StreamingHttpResponse:
    """Every tally row with each side's own interval (`{side}_low`,
    `{side}_high`; empty where the side said nothing, high empty also where
    it is open-ended: `{side}_open` tells which)."""
    header = [*TALLY_COLUMNS]
    for side in sides:
        header += [f"{side}_low", f"{side}_high", f"{side}_open"]
    rows = tallies.values_list(*TALLY_COLUMNS.values(), "by_side")

    def lines():
        for *values, by_side in rows.iterator(chunk_size=CHUNK):
            for side in sides:
                interval = (by_side or {}).get(side)
                if interval is None:
                    values += [None, None, None]
                else:
                    high = interval["high"]
                    values += [interval["low"], high, high is None]
            yield values

    return _streamed(csv_stream(header, lines()), "tallies.csv")
