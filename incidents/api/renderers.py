"""CSV and GeoJSON exports of the incident list.

Both take an iterable of flat rows and yield bytes, so that the view can hand
them to a StreamingHttpResponse: a 100,000-row export never sits in memory.
`render` exists for DRF's sake (content negotiation picks a renderer by its
format); it joins the same stream.
"""

import json
from collections.abc import Iterable, Iterator

from django.core.serializers.json import DjangoJSONEncoder
from rest_framework.renderers import BaseRenderer

from core.exports import chunked, csv_stream
from incidents.models import Incident


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


class CSVRenderer(ExportRenderer):
    media_type = "text/csv"
    format = "csv"

    def stream(self, rows, columns):
        return csv_stream(columns, ([row[name] for name in columns] for row in rows))


class UCDPRenderer(CSVRenderer):
    """CSV in UCDP GED's columns (incidents.interop.exports)."""

    format = "ucdp"
    filename = "incidents-ucdp-ged"

    def content_disposition(self) -> str:
        return f'attachment; filename="{self.filename}.csv"'


class ACLEDRenderer(UCDPRenderer):
    """CSV in ACLED's export columns (incidents.interop.exports)."""

    format = "acled"
    filename = "incidents-acled"


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
        yield from chunked(head, separated, tail="]}\n")

    @staticmethod
    def feature(row: dict) -> dict:
        properties = {
            name: value
            for name, value in row.items()
            if name not in ("latitude", "longitude")
        }
        # The point of a district, province or country stands for an area.
        properties["approximate"] = Incident.LocationPrecision.approximate(
            row.get("location_precision", "")
        )
        return {
            "type": "Feature",
            "id": row["id"],
            "geometry": {
                "type": "Point",
                "coordinates": [row["longitude"], row["latitude"]],
            },
            "properties": properties,
        }
