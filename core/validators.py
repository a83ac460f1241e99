"""Input rules on model fields, so that forms, serializers, the admin and the
services (through full_clean) all refuse the same thing with the same words."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone

EARLIEST = datetime.date(1900, 1, 1)
# The largest figure a form or the API takes (PostgreSQL's integer).
MAX_FIGURE = 2_147_483_647


def plausible_date(value: datetime.date | datetime.datetime) -> None:
    """A date of this century's record: not before 1900, not after tomorrow.

    Tomorrow, not today, so that a report dated in a timezone ahead of UTC is
    not refused. A year typed as 0001 or 9999 is a typo, and one would stretch
    every timeline across millennia.
    """
    day = value.date() if isinstance(value, datetime.datetime) else value
    if day < EARLIEST:
        raise ValidationError(
            "Enter a date on or after %(earliest)s.",
            code="date_too_early",
            params={"earliest": EARLIEST.isoformat()},
        )
    latest = timezone.now().date() + datetime.timedelta(days=1)
    if day > latest:
        raise ValidationError(
            "Enter a date no later than tomorrow (%(latest)s): events are "
            "recorded once they happened.",
            code="date_in_future",
            params={"latest": latest.isoformat()},
        )


def moment(text: str, *, day_starts: bool = False) -> datetime.datetime:
    """`as_of`, `updated_since`, `since`: an ISO date and time, or an ISO date
    standing for the end of that day in the site's time zone ("as it stood on
    the 31st"), or its start with `day_starts` ("changed since the 31st");
    ValidationError otherwise."""
    text = text.strip()
    try:
        if len(text) == 10:
            day = datetime.date.fromisoformat(text)
            time = datetime.time.min if day_starts else datetime.time.max
            when = datetime.datetime.combine(day, time)
        else:
            when = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            "Enter a date (2026-01-31) or a date and time (2026-01-31T18:00:00Z).",
            code="invalid",
        ) from None
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    plausible_date(when)
    return when


HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")
MARKUP_MESSAGE = "HTML markup is not allowed here."


def no_markup(value: str) -> None:
    """Text fields hold data, not markup: pages escape it, but a tag stored
    today is a script run tomorrow by the next renderer that forgets to (a
    map tooltip, a spreadsheet, another team's tool reading the API)."""
    texts = value if isinstance(value, list | tuple) else [value]
    if any(isinstance(text, str) and HTML_TAG.search(text) for text in texts):
        raise ValidationError(MARKUP_MESSAGE, code="markup")
