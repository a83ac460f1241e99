"""The one CSV writer of every export (incidents, claims).

A cell that starts like a formula is defused with a leading apostrophe:
spreadsheets run `=HYPERLINK(...)`, `@SUM(...)` or `-2+3+cmd|...` typed by
anyone who can write a title, a wording or a name (CSV injection). Having one
writer means no export can forget it.

Rows are gathered into chunks of about 64 KB: one write per chunk rather than
per row, and never more than one chunk in memory, so a 100,000-row export
streams.
"""

import csv
import datetime
from collections.abc import Iterable, Iterator

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
CHUNK_BYTES = 64 * 1024


def cell(value):
    """Dates in ISO 8601, booleans as in JSON, empty for None, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def chunked(head: str, pieces: Iterable[str], tail: str = "") -> Iterator[bytes]:
    """Small pieces of text as chunks of about CHUNK_BYTES of UTF-8."""
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


def csv_stream(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[bytes]:
    """The header, then each row (values in header order), as CSV bytes."""
    writer = csv.writer(_Line())
    lines = (writer.writerow([cell(value) for value in row]) for row in rows)
    yield from chunked(writer.writerow(list(header)), lines)
