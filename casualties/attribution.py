"""Who gives the figures of a sentence, and so on which side they fall.

Wire copy names its speaker: "the military said", "according to police",
"a hospital spokesman said", "the group said in a statement", "a rescue
official told AFP". The speaker's words suggest the claimant side (SPEC: the
best estimate prefers independent, then official figures); the analyst
checks each suggestion, so a sentence whose speaker says nothing known
suggests nothing rather than a guess. Plain Python, as the extractor is.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Attribution:
    speaker: str  # the words naming who said it, as written
    side: str | None  # a claimant side slug, None when the words say none


_VERB = r"(?:said|says|say|told|stated|claimed|confirmed|added|announced)"
# "<speaker> said", "said <speaker>", "according to <speaker>".
_SPEAKER = re.compile(
    rf"(?P<before>(?:(?<=[,;])|(?<=^))[^,;.]{{2,80}}?)\s+{_VERB}\b"
    rf"|\b{_VERB}\s+(?P<after>[^,;.]{{2,60}}?)\s*(?:[.,;]|$)"
    r"|\baccording\s+to\s+(?P<to>[^,;.]{2,80}?)\s*(?:[.,;]|$)",
    re.I,
)

# Tried in order: "hospital officials" are independent, not official.
_SIDES = (
    (
        "independent",
        r"hospital|doctors?|medic(?:s|al)|rescue|morgue|health workers?|rights"
        r"|HRCP|Amnesty|United Nations|\bUN\b|Red Cross|Red Crescent|witness(?:es)?"
        r"|residents?|villagers?|elders?|relatives|local media|journalists?",
    ),
    (
        "perpetrator",
        r"the group|\bgroup'?s?\b|militants?|insurgents?|separatists?|rebels?"
        r"|Taliban|TTP|BLA|BLF|Liberation (?:Army|Front)|claimed responsibility",
    ),
    (
        "official",
        r"military|army|ISPR|troops|police|officials?|government|ministry"
        r"|minister|authorities|department|spokes(?:man|woman|person)|CTD"
        r"|Levies|Frontier Corps|\bFC\b|administration|commissioner|governor"
        r"|security sources|division|brigade|corps",
    ),
)
_SIDE_WORDS = tuple((side, re.compile(words, re.I)) for side, words in _SIDES)


def side_of(speaker: str) -> str | None:
    """The side a speaker's words suggest, or None."""
    for side, words in _SIDE_WORDS:
        if words.search(speaker):
            return side
    return None


def attribute(sentence: str) -> Attribution | None:
    """The sentence's speaker, the last one named (wire copy ends with it),
    or None when it names nobody."""
    found = None
    for match in _SPEAKER.finditer(sentence):
        words = match.group("before") or match.group("after") or match.group("to")
        words = words.strip(" \"'“”‘’")
        if words and not re.match(r"no\b", words, re.I):  # "no group claimed"
            found = words
    if found is None:
        return None
    return Attribution(found, side_of(found))
