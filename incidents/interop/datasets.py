"""The datasets there is an importer for: what the commands and the web
import page offer, by slug."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from incidents.interop import acled, tracker, ucdp
from incidents.interop.records import Dataset, Event, Refusal


@dataclass(frozen=True)
class Importer:
    dataset: Dataset
    label: str
    read: Callable[[Iterable[str]], Iterator[Event | Refusal]]


IMPORTERS = {
    ucdp.DATASET: Importer(ucdp.UCDP, "UCDP GED", ucdp.read),
    acled.DATASET: Importer(acled.ACLED, "ACLED", acled.read),
    tracker.DATASET: Importer(tracker.TRACKER, "Our own CSV export", tracker.read),
}
