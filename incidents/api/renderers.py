"""CSV and GeoJSON exports of the incident list.

Both take an iterable of flat rows and yield bytes, so that the view can hand
them to a StreamingHttpResponse: a 100,000-row export never sits in memory.
`render` exists for DRF's sake (content negotiation picks a renderer by its
format); it joins the same stream.
"""

import csv
import datetime
import json
from collections.abc import Iterable, Iterator

from django.core.serializers.json import DjangoJSONEncoder
from rest_framework.renderers import BaseRenderer

# Spreadsheets run cells that start with these as formulas (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportRenderer(BaseRenderer):
    """A renderer for rows (dicts with the same keys, in column order)."""

    charset = "utf-8"
    filename = "incidents"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        rows = data if isinstance(data, list) else []
        return b"".join(self.stream(rows, list(rows[0]) if rows else []))

    def stream(self, rows: Iterable[dict], columns: list[str]) -> Iterator[bytes]:
        raise NotImplementedError

    def content_disposition(self) -> str:
        return f'attachment; filename="{self.filename}.{self.format}"'


CHUNK_BYTES = 64 * 1024


def _chunks(head: str, pieces: Iterable[str], tail: str = "") -> Iterator[bytes]:
    """Gather small pieces into chunks of about 64 KB: one write per chunk, not
    per row, and never more than one chunk in memory."""
    buffer, size = [head], len(head)
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK_BYTES:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    buffer.append(tail)
    yield "".join(buffer).encode()


class _Line:
    """A file-like that hands back what csv.writer writes, line by line."""

    def write(self, value):
        return value


def _cell(value):
    """Dates in ISO 8601, booleans as in JSON, formulas defused."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class CSVRenderer(ExportRenderer):
    media_type = "text/csv"
    format = "csv"

    def stream(self, rows, columns):
        writer = csv.writer(_Line())
        lines = (
            writer.writerow([_cell(row[name]) for name in columns]) for row in rows
        )
        yield from _chunks(writer.writerow(columns), lines)


class GeoJSONRenderer(ExportRenderer):
    """A FeatureCollection of Point features; rows without coordinates are
    left out (GeoJSON has no place for them)."""

    media_type = "application/geo+json"
    format = "geojson"

    def stream(self, rows, columns):
        features = (
            json.dumps(self.feature(row), cls=DjangoJSONEncoder)
            for row in rows
            if row.get("latitude") is not None and row.get("longitude") is not None
        )
        separated = (
            text if number == 0 else ",\n" + text
            for number, text in enumerate(features)
        )
        head = '{"type": "FeatureCollection", "features": [\n'
        yield from _chunks(head, separated, tail="]}\n")

    @staticmethod
    def feature(row: dict) -> dict:
        properties = {
            name: value
            for name, value in row.items()
            if name not in ("latitude", "longitude")
        }
        return {
            "type": "Feature",
            "id": row["id"],
            "geometry": {
                "type": "Point",
                "coordinates": [row["longitude"], row["latitude"]],
            },
            "properties": properties,
        }
