"""Reading one cell of a source row: a value, or a message for the row's
refusal (appended to `errors`, so that a row lists everything wrong with it)."""

import codecs
import csv
import datetime
from collections.abc import Iterable, Iterator

from incidents.interop.records import BadFile, MissingColumns

# The longest cell a row may hold (the csv module's default). Set for every
# read, since the limit is the process's and a library may have raised it.
FIELD_LIMIT = 131_072


def check_utf8(data) -> None:
    """Read a binary file through once; BadFile unless it is UTF-8 text (so
    an import never stops half-way on a bad byte). Leaves it at its start."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    while chunk := data.read(1 << 20):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as error:
            raise BadFile(f"not UTF-8 text (byte {offset + error.start}).") from None
        offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise BadFile("not UTF-8 text (it ends mid-character).") from None
    data.seek(0)


def rows(lines: Iterable[str], required: Iterable[str]) -> Iterator[tuple[int, dict]]:
    """(line where the record starts, the row with its cells stripped), after
    checking the header: MissingColumns before any row."""
    csv.field_size_limit(FIELD_LIMIT)
    reader = csv.DictReader(lines)
    missing = [name for name in required if name not in (reader.fieldnames or ())]
    if missing:
        raise MissingColumns(missing)
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise BadFile(f"line {start}: {error}.") from None
        line, start = start, reader.line_num + 1
        yield line, {k: (v or "").strip() for k, v in row.items() if k}


def cut(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def count(text: str, name: str, errors: list) -> int:
    try:
        value = int(text)
    except ValueError:
        errors.append(f"{name}: {text!r} is not a whole number.")
        return 0
    if value < 0:
        errors.append(f"{name}: {value} is negative.")
        return 0
    return value


def day(text: str, name: str, errors: list) -> datetime.date | None:
    try:
        value = datetime.date.fromisoformat(text[:10])
    except ValueError:
        errors.append(f"{name}: {text!r} is not a date.")
        return None
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    if not datetime.date(1900, 1, 1) <= value <= tomorrow:
        errors.append(f"{name}: {value} is before 1900 or in the future.")
        return None
    return value


def choice(text: str, choices: dict, name: str, errors: list) -> str:
    if text not in choices:
        errors.append(f"{name}: {text!r} is not one of {', '.join(choices)}.")
        return ""
    return choices[text]


def coordinate(text: str, name: str, bound: float, errors: list) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        errors.append(f"{name}: {text!r} is not a number.")
        return None
    if not -bound <= value <= bound:
        errors.append(f"{name}: {value} is outside -{bound}..{bound}.")
        return None
    return value
