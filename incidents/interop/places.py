"""Place names as event datasets spell them, matched to ISO 3166 codes.

UCDP writes countries by its own names ("DR Congo (Zaire)") and first-level
divisions with a suffix and older spellings ("Khyber Pakhtunkwa province");
some divisions no longer exist (FATA, merged into Khyber Pakhtunkhwa in 2018).
The codes come from pycountry, as the gazetteer's do; only what pycountry
cannot match by name is written down here.

ISO 3166-2, as pycountry keeps it, names divisions in local forms ("Ḩalab",
"Chechenskaya Respublika") where the datasets write English ones ("Aleppo
governorate", "Chechnya"): by those names alone 293 of the 1,000 events of
UCDP's global sample matched no division. So a division is also known by
the English name countrystatecity-countries gives it, with and without an
Arabic article ("Al Hudaydah", "Hudaydah"), and a name one letter away from
exactly one division's is that division ("Hilmand", "Helmand"); failing
all that, GeoNames' English name of a province ("Sumy") is that of the
division its towns lie in (incidents.interop.geodata). 55 of the sample's
events still match none: units that no longer exist and whose land is now
in several divisions (Nepal's zones, Kenya's provinces), or that UCDP puts
in another country than ISO does (Gaza under Israel).
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

# First-level divisions under another name: (country, name as `plain` or
# `normalise` gives it) -> ISO code. A former unit maps to the division that
# holds it today, a renamed one to its new name.
ADMIN1_ALIASES = {
    ("PK", "khyber pakhtunkwa"): "PK-KP",
    ("PK", "north west frontier"): "PK-KP",
    ("PK", "nwfp"): "PK-KP",
    ("PK", "federally administered tribal areas"): "PK-KP",
    ("PK", "fata"): "PK-KP",
    ("PK", "islamabad capital"): "PK-IS",
    ("PK", "northern areas"): "PK-GB",
    # Names the kind tells apart: the oblast around the capital, not the city
    # ("Kyiv" alone, or "Kyiv city", is the city).
    ("UA", "kyiv oblast"): "UA-32",
    ("UA", "kiev oblast"): "UA-32",
    ("UA", "kiev city"): "UA-30",
    ("UA", "kiev"): "UA-30",
    # English names far from ISO's (which names oblasts by their adjective,
    # "Poltavska oblast") and from GeoNames'.
    ("UA", "poltava"): "UA-53",
    ("UA", "zaporizhia"): "UA-23",
    ("UA", "zakarpattia"): "UA-21",
    # Renamed: today's name is the ISO one.
    ("IN", "orissa"): "IN-OD",
    ("ZA", "natal"): "ZA-KZN",
    ("RU", "chechnya"): "RU-CE",
}

# Words that name the kind of division, not the division.
SUFFIXES = re.compile(
    r"\s+(province|region|governorate|state|district|division|oblast|department|"
    r"departement|prefecture|county|municipality|territory|capital territory|"
    r"emirate|wilaya|voivodeship|raion|krai|republic|parish|zone|city)$"
)


# Apostrophes, and the marks transliterations write for ayn and hamza
# ("Şa‘dah" in UCDP, "Şanʻā’" in ISO 3166-2, "Ma'rib").
QUOTES = re.compile(r"['`’‘ʿʾʻʼ]")

# The Arabic article, as place names are transliterated ("Al Hudaydah",
# "Ad Dali'", "Ash Sharqiyah").
ARTICLE = re.compile(r"^(?:al|el|ad|ar|as|ash|at|az|an|ath|adh)\s+")


def plain(name: str) -> str:
    """Lower case, no accents, '&' as 'and', one space between words."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = QUOTES.sub("", text.replace("&", "and"))
    return re.sub(r"[\s-]+", " ", text).strip()


def normalise(name: str) -> str:
    """`plain`, without a kind-of-division suffix."""
    text = plain(name)
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


@functools.lru_cache(maxsize=10_000)
def admin1_code(country: str | None, name: str) -> str | None:
    """The ISO 3166-2 code of a country's first-level division, by name.

    Remembered: a file names the same few hundred divisions in every row,
    and a name that matches nothing exactly is compared with every division."""
    if not country or not name.strip():
        return None
    wanted = normalise(name)
    alias = ADMIN1_ALIASES.get((country, plain(name))) or ADMIN1_ALIASES.get(
        (country, wanted)
    )
    if alias:
        return alias
    divisions = _divisions(country)
    for form in (wanted, ARTICLE.sub("", wanted)):
        if divisions.get(form):
            return divisions[form]
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
    near.discard(None)
    if not near and len(wanted) > 4:
        # "Hilmand" for "Helmand", "Shabelle" for "Shebelle": a spelling one
        # letter away from one division's name, and from no other's.
        near = {code for known, code in divisions.items() if _one_apart(wanted, known)}
        near.discard(None)
    if len(near) == 1:
        return near.pop()
    # Last, GeoNames' English names of provinces ("Sumy" for "Sumska
    # oblast"), by where their towns lie: reading them takes half a second,
    # which a file whose names all matched above never pays.
    from incidents.interop import geodata

    names = geodata.province_names(country)
    return names.get(wanted) or names.get(ARTICLE.sub("", wanted))


def _one_apart(a: str, b: str) -> bool:
    """Whether one letter changed, added or dropped turns `a` into `b`."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    start = 0
    while start < len(a) and a[start] == b[start]:
        start += 1
    skip = 1 if len(a) == len(b) else 0
    return a[start + skip :] == b[start + 1 :]


def alias_codes(text: str) -> set[str]:
    """The divisions a former or other name containing `text` stands for
    ("fata" -> PK-KP), so a search finds today's division."""
    wanted = normalise(text)
    if len(wanted) < 2:
        return set()
    return {code for (_, name), code in ADMIN1_ALIASES.items() if wanted in name}


@functools.cache
def _divisions(country: str) -> dict[str, str | None]:
    """Normalised name -> ISO 3166-2 code of the first-level division it
    names: ISO's own names (pycountry), then the English names of
    countrystatecity-countries (a second-level division's taking the
    first-level one that holds it, "Basilan" the Bangsamoro region), each
    also without its Arabic article. A name two divisions share names
    neither (None), unless ISO gives it to one."""
    from incidents.interop import geodata  # it reads this module's names too

    found: dict[str, str | None] = {}
    for state in geodata.states(country):
        code = geodata.first_level(state.iso3166_2)
        if code is None:
            continue
        key = normalise(state.name)
        for form in {key, ARTICLE.sub("", key)}:
            found[form] = code if found.get(form, code) == code else None
    subdivisions = pycountry.subdivisions.get(country_code=country) or []
    for sub in subdivisions:
        if sub.parent_code is None:
            found[normalise(sub.name)] = sub.code
    return found


def district_name(name: str) -> str:
    """'Neelam district' -> 'Neelam'."""
    return re.sub(r"\s+district$", "", name.strip(), flags=re.IGNORECASE)
