"""Place names as event datasets spell them, matched to ISO 3166 codes.

UCDP writes countries by its own names ("DR Congo (Zaire)") and first-level
divisions with a suffix and older spellings ("Khyber Pakhtunkwa province");
some divisions no longer exist (FATA, merged into Khyber Pakhtunkhwa in 2018).
The codes come from pycountry, as the gazetteer's do; only what pycountry
cannot match by name is written down here.
"""

import functools
import re
import unicodedata

import pycountry

# Country names pycountry does not know (UCDP GED's spellings).
COUNTRY_ALIASES = {
    "bosnia-herzegovina": "BA",
    "dr congo": "CD",
    "ivory coast": "CI",
    "macedonia, fyr": "MK",
    "russia": "RU",
    "turkey": "TR",
    "kingdom of eswatini": "SZ",
    "swaziland": "SZ",
    "czech republic": "CZ",
    "north korea": "KP",
    "south korea": "KR",
    "laos": "LA",
    "syria": "SY",
    "iran": "IR",
    "tanzania": "TZ",
    "venezuela": "VE",
    "bolivia": "BO",
    "vietnam": "VN",
    "moldova": "MD",
    "congo": "CG",
}

# First-level divisions under another name: (country, name) -> ISO code. A
# former unit maps to the division that holds it today.
ADMIN1_ALIASES = {
    ("PK", "khyber pakhtunkwa"): "PK-KP",
    ("PK", "north-west frontier"): "PK-KP",
    ("PK", "nwfp"): "PK-KP",
    ("PK", "federally administered tribal areas"): "PK-KP",
    ("PK", "fata"): "PK-KP",
    ("PK", "islamabad capital"): "PK-IS",
    ("PK", "northern areas"): "PK-GB",
}

# Words that name the kind of division, not the division.
SUFFIXES = re.compile(
    r"\s+(province|region|governorate|state|district|division|oblast|department|"
    r"departement|prefecture|county|municipality|territory|capital territory|"
    r"emirate|wilaya|voivodeship|raion|krai|republic|parish|zone|city)$"
)


def normalise(name: str) -> str:
    """Lower case, no accents, '&' as 'and', no kind-of-division suffix."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"['`’]", "", text.replace("&", "and"))
    text = re.sub(r"[\s-]+", " ", text).strip()
    previous = None
    while previous != text:
        previous, text = text, SUFFIXES.sub("", text)
    return text


def country_code(name: str, iso3: str = "") -> str | None:
    """The ISO alpha-2 code of a country given by alpha-3 code or by name."""
    if iso3:
        country = pycountry.countries.get(alpha_3=iso3.strip().upper())
        if country is not None:
            return country.alpha_2
    return _country_by_name(name.strip())


@functools.cache
def _country_by_name(name: str) -> str | None:
    if not name:
        return None
    bare = re.sub(r"\s*\(.*\)$", "", name)  # "Yemen (North Yemen)" -> "Yemen"
    for candidate in (name, bare):
        try:
            return pycountry.countries.lookup(candidate).alpha_2
        except LookupError:
            pass
        code = COUNTRY_ALIASES.get(candidate.lower())
        if code:
            return code
    return None


def admin1_code(country: str | None, name: str) -> str | None:
    """The ISO 3166-2 code of a country's first-level division, by name."""
    if not country or not name.strip():
        return None
    wanted = normalise(name)
    alias = ADMIN1_ALIASES.get((country, wanted))
    if alias:
        return alias
    divisions = _divisions(country)
    if wanted in divisions:
        return divisions[wanted]
    # "Michoacán" for "Michoacán de Ocampo", "Donetsk" for "Donetska": one
    # division whose name begins with the other's, or none.
    near = {
        code
        for known, code in divisions.items()
        if known.startswith(wanted + " ")
        or wanted.startswith(known + " ")
        or (len(wanted) > 4 and known.startswith(wanted))
        or (len(known) > 4 and wanted.startswith(known))
    }
    return near.pop() if len(near) == 1 else None


def alias_codes(text: str) -> set[str]:
    """The divisions a former or other name containing `text` stands for
    ("fata" -> PK-KP), so a search finds today's division."""
    wanted = normalise(text)
    if len(wanted) < 2:
        return set()
    return {code for (_, name), code in ADMIN1_ALIASES.items() if wanted in name}


def is_former_unit(country: str | None, name: str) -> bool:
    """A name that maps by alias rather than by today's name."""
    return bool(country) and (country, normalise(name)) in ADMIN1_ALIASES


@functools.cache
def _divisions(country: str) -> dict[str, str]:
    subdivisions = pycountry.subdivisions.get(country_code=country) or []
    return {
        normalise(sub.name): sub.code for sub in subdivisions if sub.parent_code is None
    }


def district_name(name: str) -> str:
    """'Neelam district' -> 'Neelam'."""
    return re.sub(r"\s+district$", "", name.strip(), flags=re.IGNORECASE)
