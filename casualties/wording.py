"""Turn casualty wording ("at least 108", "dozens", "about sixty") into an interval.

`_TABLE` is SPEC section 3, one row per phrasing. `parse_wording` reads one phrase
with it and `find_quantities` scans a whole text with it, so the claim extractor
and a hand-entered wording can never disagree about what a phrase means.
Plain Python: no Django, so the table can be read and tested on its own.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    low: int
    high: int | None  # None = open-ended
    point: int | None  # stated point figure, None when the wording gives none


@dataclass(frozen=True)
class Quantity:
    """A quantity phrase at text[start:end], e.g. "more than 30"."""

    start: int
    end: int
    figure: Figure


_SMALL = {
    word: value
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve "
        "thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
    )
}
_TENS = {
    word: 10 * value
    for value, word in enumerate(
        "twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2
    )
}
_SCALES = {"thousand": 1_000, "million": 1_000_000}


def _either(words) -> str:
    # Longest first, so "seventeen" is tried before "seven".
    return "|".join(sorted(words, key=len, reverse=True))


_ONES = _either(word for word, value in _SMALL.items() if 1 <= value <= 9)
_BELOW_100 = rf"(?:(?:{_either(_TENS)})(?:-|\s+)(?:{_ONES})|{_either(_TENS)}"
_BELOW_100 += rf"|{_either(word for word in _SMALL if word != 'zero')})"


def _scaled(lower: str, scale: str) -> str:
    """`lower`, or "<lower> <scale> [and] <lower>" such as "two hundred and six"."""
    return rf"(?:(?:{lower}|a)\s+{scale}(?:\s+(?:and\s+)?{lower})?|{lower})"


_BELOW_THOUSAND = _scaled(_BELOW_100, "hundred")
_WORDS = _scaled(_scaled(_BELOW_THOUSAND, "thousand"), "million")
# "a dozen" (SPEC section 3) and "two dozen" to "nine dozen": English words
# for 12 and its multiples, as wire copy writes them.
_WORDS = rf"(?:zero|a\s+dozen|(?:{_ONES})\s+dozen|{_WORDS})"
# At most nine digits: larger figures are not casualty counts (and Python
# refuses to convert a string of thousands of digits).
_DIGITS = r"(?:\d{1,3}(?:,\d{3}){1,2}(?!\d)|\d{1,9})"

# One number, in digits ("1,200") or words ("one hundred and eight"), never a
# piece of a longer token such as "2nd", "1.5" or the "200" of "1,200".
NUMBER = rf"(?<!\w)(?<!\d[.,])(?:{_DIGITS}|{_WORDS})(?!\w)(?![.,]\d)"
NUMBER_PATTERN = re.compile(NUMBER, re.IGNORECASE)


def parse_number(word: str) -> int | None:
    """The value of "1,200", "sixty-seven" or "two thousand"; None if not a number."""
    word = word.strip()
    if re.fullmatch(_DIGITS, word):
        return int(word.replace(",", ""))
    if not re.fullmatch(_WORDS, word, re.IGNORECASE):
        return None
    tokens = re.split(r"[\s-]+", word.lower())
    if tokens[-1] == "dozen":
        return 12 * (1 if tokens[0] == "a" else _SMALL[tokens[0]])
    total = current = 0
    for token in tokens:
        if token == "a":
            current = 1
        elif token == "hundred":
            current *= 100
        elif token in _SCALES:
            total, current = total + current * _SCALES[token], 0
        elif token != "and":
            current += _SMALL.get(token, 0) + _TENS.get(token, 0)
    return total + current


def _about(n: int) -> Figure:
    # -(-a // b) is the ceiling of a / b in exact integer arithmetic.
    return Figure(9 * n // 10, -(-11 * n // 10), n)


def _fewer_than(n: int) -> Figure | None:
    return Figure(0, n - 1, None) if n > 0 else None


def _between(n: int, m: int) -> Figure | None:
    return Figure(n, m, None) if n <= m else None


Maker = Callable[[int, int], Figure | None]

# SPEC section 3. A space stands for any whitespace; {n} and {m} for a NUMBER.
# "a dozen" is a NUMBER (12), which gives its row and also "more than a dozen".
_TABLE: tuple[tuple[str, Maker], ...] = (
    ("{n}", lambda n, _: Figure(n, n, n)),
    ("(?:at least|no fewer than) {n}", lambda n, _: Figure(n, None, n)),
    ("{n} or more", lambda n, _: Figure(n, None, n)),
    ("(?:more than|over|upwards of) {n}", lambda n, _: Figure(n + 1, None, None)),
    ("(?:at most|up to|no more than) {n}", lambda n, _: Figure(0, n, None)),
    ("(?:fewer than|less than|under) {n}", lambda n, _: _fewer_than(n)),
    ("(?:about|around|approximately|roughly|some) {n}", lambda n, _: _about(n)),
    ("(?:nearly|almost) {n}", lambda n, _: Figure(9 * n // 10, n, n)),
    ("{n} to {m}", _between),
    ("{n}\\s*[-–]\\s*{m}", _between),
    ("between {n} and {m}", _between),
    ("dozens", lambda *_: Figure(24, None, None)),
    ("scores", lambda *_: Figure(40, None, None)),
    ("hundreds", lambda *_: Figure(200, None, None)),
    ("several", lambda *_: Figure(3, None, None)),
    ("a (?:few|handful)", lambda *_: Figure(2, 5, None)),
)


def _compile(row: str) -> re.Pattern[str]:
    row = row.replace(" ", r"\s+")
    row = row.replace("{n}", f"(?P<n>{NUMBER})").replace("{m}", f"(?P<m>{NUMBER})")
    return re.compile(rf"(?<!\w)(?:{row})(?!\w)", re.IGNORECASE)


_ROWS = tuple((_compile(row), make) for row, make in _TABLE)


def find_quantities(text: str) -> list[Quantity]:
    """Every quantity phrase in `text`, in order, none overlapping.

    Where phrases overlap, the one starting first wins, then the longest, then the
    earlier table row: "no more than 10" is one phrase, not "more than 10".
    Matches whose row rejects them ("20 to 10") are dropped.
    """
    found = []
    for rank, (pattern, make) in enumerate(_ROWS):
        for match in pattern.finditer(text):
            groups = match.groupdict()
            figure = make(*(parse_number(groups.get(key) or "0") for key in "nm"))
            if figure is not None:
                found.append((match.start(), -match.end(), rank, figure))
    found.sort(key=lambda item: item[:3])
    chosen: list[Quantity] = []
    for start, negative_end, _, figure in found:
        if not chosen or start >= chosen[-1].end:
            chosen.append(Quantity(start, -negative_end, figure))
    return chosen


def parse_wording(text: str) -> Figure | None:
    """The interval a wording such as "at least 108 militants" states.

    Only a phrase that opens with one known quantity counts; a trailing noun is
    fine, but a second number makes it ambiguous, and a guess would be worse than
    None for wording like "a higher toll than the government's figure".
    """
    text = text.strip()
    quantities = find_quantities(text)
    if len(quantities) != 1 or quantities[0].start != 0:
        return None
    rest = text[quantities[0].end :]
    if rest and not rest[0].isspace():
        return None
    return quantities[0].figure
