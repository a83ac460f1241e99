"""Fill an empty, migrated PostgreSQL database with benchmark data.

`manage.py recompute_tallies` has to be measured on data shaped like the real
thing, not on a few hand-made rows: conflict data is half singletons, with
umbrellas of dozens of parts, some deep trees, claims at every level, claimants
who revise their own figures, drafts and retractions anywhere in a tree. This
script builds that shape, from a seed, at the scale that matters (400,000
incidents and 1.2 million claims in a few minutes).

Speed comes from PostgreSQL COPY: rows are never saved through the models (the
write services would compute tallies on every claim, which is the very work
being benchmarked). Ids are assigned here, so that a tree's parents, paths,
roots and effective statuses go in with the rows, and the sequences are moved
past them at the end. Memory stays bounded: trees are generated and copied a
chunk at a time, in one transaction, with constraints checked as each chunk
goes in. No tallies, tally changes or history rows are written.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench \\
        .venv/bin/python bench/generate.py --incidents 400000 --seed 1
"""

import argparse
import bisect
import itertools
import math
import os
import queue
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tqdm import tqdm

REPO = Path(__file__).resolve().parent.parent

FIRST_DAY = date(2015, 1, 1)
LAST_DAY = date(2026, 12, 31)
# Incidents end this long before today, so that no report or claim that
# follows them is dated in the future (the forms refuse such times).
RECENT_MARGIN = timedelta(days=90)

PUBLISHED, DRAFT, RETRACTED = "published", "draft", "retracted"
PUBLICITY = {PUBLISHED: 0, DRAFT: 1, RETRACTED: 2}

# --- the shape of the data ------------------------------------------------------------

TREE_SHAPES = {"singleton": 50, "small": 30, "umbrella": 15, "deep": 5}
STATUSES = {PUBLISHED: 95, DRAFT: 4, RETRACTED: 1}
NO_LOCATION_SHARE = 0.10
ADMIN1 = {  # code: name, centre (lat, lon), spread in degrees, share of incidents
    "PK-BA": ("Balochistan", (28.5, 65.5), 2.5, 40),
    "PK-KP": ("Khyber Pakhtunkhwa", (34.2, 71.8), 1.5, 38),
    "PK-PB": ("Punjab", (31.0, 72.5), 2.0, 9),
    "PK-SD": ("Sindh", (26.0, 68.5), 1.5, 8),
    "PK-IS": ("Islamabad", (33.7, 73.05), 0.1, 1),
    "PK-GB": ("Gilgit-Baltistan", (35.8, 74.5), 1.0, 2),
    "PK-JK": ("Azad Jammu and Kashmir", (34.0, 73.8), 0.5, 2),
}
PLACES = 1000
UMBRELLA_TYPES = ("coordinated-attack", "security-operation")
OPERATION_SHAPES = ("umbrella", "deep")

ACTOR_KINDS = {  # kind: how many, name pattern
    "government": (8, "Government office {}"),
    "ministry": (40, "Ministry or department {}"),
    "police": (120, "Police unit {}"),
    "paramilitary": (60, "Paramilitary unit {}"),
    "military": (40, "Military command {}"),
    "armed_group": (150, "Armed group {}"),
    "other": (82, "Observer {}"),
}
STATE_KINDS = ("government", "ministry", "police", "paramilitary", "military")
SOURCE_KINDS = {  # kind: how many, the actor kinds it may speak for
    "wire": (10, ()),
    "broadcaster": (20, ()),
    "newspaper": (70, ()),
    "government": (25, ("government", "ministry", "police")),
    "military": (10, ("military", "paramilitary")),
    "armed_group": (25, ("armed_group",)),
    "social_media": (25, ()),
    "ngo": (10, ()),
    "other": (5, ()),
}
RELIABILITY = {"A": 3, "B": 25, "C": 35, "D": 15, "E": 5, "F": 17}
CREDIBILITY = {1: 5, 2: 25, 3: 35, 4: 15, 5: 5, 6: 15}
LANGUAGES = {"en": 85, "ur": 15}

CLAIMS_PER_INCIDENT_MEAN = 3
CLAIMS_PER_INCIDENT_MAX = 7
GROUPS = {
    "all": 25,
    "civilians": 20,
    "militants": 15,
    "police": 8,
    "military": 6,
    "paramilitary": 6,
    "security-forces": 10,
    "detainees": 5,
    "unknown": 5,
}
OUTCOMES = {
    "killed": 70,
    "injured": 20,
    "abducted": 4,
    "missing": 2,
    "detained": 2,
    "freed": 2,
}
SIDES = {"official": 50, "perpetrator": 20, "independent": 15, "unknown": 15}
# The actors a claimant of each side is drawn from (unknown: anyone).
SIDE_ACTOR_KINDS = {
    "official": STATE_KINDS,
    "perpetrator": ("armed_group",),
    "independent": ("other",),
}
ASSESSMENTS = {"unassessed": 82, "credible": 10, "discounted": 5, "contested": 3}
NAMED_CLAIMANT_SHARE = 0.80
RETRACTED_CLAIM_SHARE = 0.01
# Most claims have an earlier named claim in their tree, so this draws close
# to 4% of all claims as revisions of an earlier claim by the same claimant.
SUPERSEDE_SHARE = 0.042
LINKED_CLAIM_SHARE = 0.90

# --- the tables, in the order their rows are copied -----------------------------------

COLUMNS = {
    "incidents_location": (
        "id path depth name kind code latitude longitude parent_id "
        "created_at updated_at version"
    ),
    "incidents_actor": (
        "id name kind aliases parent_id country_id created_at updated_at version"
    ),
    "sources_source": (
        "id version created_at updated_at name kind reliability url affiliation_id"
    ),
    "incidents_incident": (
        "id version created_at updated_at path depth title summary start_date "
        "end_date date_precision location_precision status "
        "retraction_reason parent_id type_id location_id effective_status root_id "
        "dataset external_id"
    ),
    "sources_report": (
        "id version created_at updated_at url title published_at language excerpt "
        "archive_url credibility retraction_reason source_id"
    ),
    "casualties_claim": (
        "id version created_at updated_at low high point wording asserted_at "
        "period_label assessment assessment_note retracted_at retraction_reason "
        "claimant_id incident_id supersedes_id side_id outcome_id group_id"
    ),
    "casualties_claim_reports": "id claim_id report_id",
}
TREE_TABLES = (
    "incidents_incident",
    "sources_report",
    "casualties_claim",
    "casualties_claim_reports",
)


class Refused(Exception):
    """The database is not one this generator may fill."""


# --- small tools ----------------------------------------------------------------------


class Weighted:
    """Draws one of fixed values with fixed weights: one random() and a bisect."""

    def __init__(self, weights: dict):
        self.values = list(weights)
        self.cumulative = list(itertools.accumulate(weights.values()))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random):
        return self.values[bisect.bisect(self.cumulative, rng.random() * self.total)]


def available(weights: dict, existing: set, what: str) -> Weighted:
    """The weights of the slugs the database has; refuse if it has none of them."""
    kept = {slug: weight for slug, weight in weights.items() if slug in existing}
    if not kept:
        raise Refused(f"None of the {what} {sorted(weights)} exist: run migrate.")
    return Weighted(kept)


def claims_per_incident() -> Weighted:
    """Poisson-like counts 0..max with the given mean; the tail lumped at max."""
    mean, top = CLAIMS_PER_INCIDENT_MEAN, CLAIMS_PER_INCIDENT_MAX
    weights = {k: math.exp(-mean) * mean**k / math.factorial(k) for k in range(top)}
    weights[top] = 1 - sum(weights.values())
    return Weighted(weights)


def less_public(status: str, other: str) -> str:
    return max(status, other, key=PUBLICITY.__getitem__)


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def hours(n: int) -> timedelta:
    return timedelta(hours=n)


class Ids:
    """Ids for one table, handed out here and given back to its sequence at the end."""

    def __init__(self, cursor, table: str):
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        self.sequence = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT GREATEST("
            f"(SELECT COALESCE(MAX(id), 0) FROM {table}), "
            f"(SELECT CASE WHEN is_called THEN last_value ELSE 0 END "
            f"FROM {self.sequence}))"
        )
        self.last = self.first_unused = cursor.fetchone()[0]

    def next(self) -> int:
        self.last += 1
        return self.last

    @property
    def used(self) -> int:
        return self.last - self.first_unused

    def restore(self, cursor) -> None:
        if self.used:
            cursor.execute("SELECT setval(%s, %s)", [self.sequence, self.last])


def copy_rows(cursor, table: str, rows) -> None:
    """COPY rows (tuples in COLUMNS order) into a table."""
    columns = ", ".join(COLUMNS[table].split())
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


# --- reference rows: gazetteer, actors, sources ---------------------------------------


@dataclass
class Place:
    id: int
    name: str


@dataclass
class Reference:
    """What every tree draws from: taxonomies, places, actors and sources."""

    types: dict[str, str]  # slug: name
    type_slugs: list[str]
    umbrella_types: list[str]
    places: dict[str, list[Place]]  # by admin1 code
    admin1_names: dict[str, str]
    pick_admin1: Weighted
    actors_by_side: dict[str, list[int]]
    sources: list[tuple[int, str, str]]  # id, name, host
    groups: Weighted
    outcomes: Weighted
    sides: Weighted
    claim_counts: Weighted = field(default_factory=claims_per_incident)
    tree_shapes: Weighted = field(default_factory=lambda: Weighted(TREE_SHAPES))
    statuses: Weighted = field(default_factory=lambda: Weighted(STATUSES))
    assessments: Weighted = field(default_factory=lambda: Weighted(ASSESSMENTS))
    credibility: Weighted = field(default_factory=lambda: Weighted(CREDIBILITY))
    languages: Weighted = field(default_factory=lambda: Weighted(LANGUAGES))
    last_day: date = LAST_DAY


def slugs(cursor, table: str) -> dict[str, str]:
    cursor.execute(f"SELECT slug, name FROM {table} ORDER BY slug")
    return dict(cursor.fetchall())


def load_gazetteer(cursor, rng, ids: Ids, now: datetime):
    """PK and its provinces (reused if `load_gazetteer` made them) and ~1,000 places.

    Returns the places by province code and the province names.
    """
    rows = []
    cursor.execute("SELECT id, path FROM incidents_location WHERE code = 'PK'")
    country = cursor.fetchone()
    if country is None:
        pk = ids.next()
        country = (pk, f"/{pk}/")
        rows.append(
            (pk, country[1], 0, "Pakistan", "country", "PK", None, None, None)
            + (now, now, 1)
        )
    cursor.execute(
        "SELECT code, id, path, name FROM incidents_location WHERE code = ANY(%s)",
        [list(ADMIN1)],
    )
    provinces = {code: (pk, path, name) for code, pk, path, name in cursor.fetchall()}
    for code, (name, (lat, lon), _spread, _share) in ADMIN1.items():
        if code not in provinces:
            pk = ids.next()
            provinces[code] = (pk, f"{country[1]}{pk}/", name)
            rows.append(
                (pk, provinces[code][1], 1, name, "admin1", code, lat, lon)
                + (country[0], now, now, 1)
            )
    places = {code: [] for code in ADMIN1}
    total_share = sum(entry[3] for entry in ADMIN1.values())
    for code, (_name, (lat, lon), spread, share) in ADMIN1.items():
        province_id, province_path, province_name = provinces[code]
        for n in range(max(3, round(PLACES * share / total_share))):
            pk = ids.next()
            name = f"{province_name} place {n + 1}"
            places[code].append(Place(pk, name))
            rows.append(
                (pk, f"{province_path}{pk}/", 2, name, "place", None)
                + (round(lat + rng.uniform(-spread, spread), 5),)
                + (round(lon + rng.uniform(-spread, spread), 5), province_id)
                + (now, now, 1)
            )
    copy_rows(cursor, "incidents_location", rows)
    names = {code: provinces[code][2] for code in ADMIN1}
    return places, names, country[0]


def load_actors(cursor, rng, ids: Ids, country_id: int, now: datetime):
    """~500 actors; state units belong to a government office, some groups to others.

    Returns the actor ids by kind.
    """
    by_kind: dict[str, list[int]] = {}
    rows = []
    for kind, (count, pattern) in ACTOR_KINDS.items():
        by_kind[kind] = []
        for n in range(count):
            pk = ids.next()
            parent = None
            if kind in STATE_KINDS and kind != "government" and rng.random() < 0.6:
                parent = rng.choice(by_kind["government"])
            elif kind == "armed_group" and by_kind[kind] and rng.random() < 0.2:
                parent = rng.choice(by_kind[kind])
            country = country_id if kind in STATE_KINDS else None
            name = pattern.format(f"{n + 1:03d}")
            rows.append((pk, name, kind, "[]", parent, country, now, now, 1))
            by_kind[kind].append(pk)
    copy_rows(cursor, "incidents_actor", rows)
    return by_kind


def load_sources(cursor, rng, ids: Ids, actors: dict[str, list[int]], now):
    """~200 outlets; official and armed-group media speak for an actor."""
    reliability = Weighted(RELIABILITY)
    sources, rows = [], []
    for kind, (count, speaks_for) in SOURCE_KINDS.items():
        for n in range(count):
            pk = ids.next()
            name = f"{kind.replace('_', ' ').capitalize()} outlet {n + 1:03d}"
            host = f"{kind.replace('_', '-')}-{n + 1:03d}.example.org"
            affiliation = None
            if speaks_for:
                affiliation = rng.choice(actors[rng.choice(speaks_for)])
            rows.append(
                (pk, 1, now, now, name, kind, reliability.pick(rng))
                + (f"https://{host}/", affiliation)
            )
            sources.append((pk, name, host))
    copy_rows(cursor, "sources_source", rows)
    return sources


def claimants_by_side(actors: dict[str, list[int]]) -> dict[str, list[int]]:
    everyone = [pk for pks in actors.values() for pk in pks]
    pools = {
        side: [pk for kind in kinds for pk in actors[kind]]
        for side, kinds in SIDE_ACTOR_KINDS.items()
    }
    return {side: pools.get(side, everyone) for side in SIDES}


def load_reference(cursor, rng, ids: dict[str, Ids]) -> Reference:
    """Read the taxonomies and write the gazetteer, actors and sources."""
    now = datetime.now(UTC)
    types = slugs(cursor, "incidents_incidenttype")
    if not types:
        raise Refused("There are no incident types: run migrate first.")
    places, names, country_id = load_gazetteer(
        cursor, rng, ids["incidents_location"], now
    )
    actors = load_actors(cursor, rng, ids["incidents_actor"], country_id, now)
    sources = load_sources(cursor, rng, ids["sources_source"], actors, now)
    return Reference(
        types=types,
        type_slugs=list(types),
        umbrella_types=[s for s in UMBRELLA_TYPES if s in types] or list(types),
        places=places,
        admin1_names=names,
        pick_admin1=Weighted({code: entry[3] for code, entry in ADMIN1.items()}),
        actors_by_side=claimants_by_side(actors),
        sources=sources,
        groups=available(
            GROUPS, set(slugs(cursor, "casualties_victimgroup")), "groups"
        ),
        outcomes=available(
            OUTCOMES, set(slugs(cursor, "casualties_outcome")), "outcomes"
        ),
        sides=available(SIDES, set(slugs(cursor, "casualties_claimantside")), "sides"),
        last_day=min(LAST_DAY, now.date() - RECENT_MARGIN),
    )


# --- tree shapes ----------------------------------------------------------------------


def tree_shape(rng: random.Random, kind: str) -> list[int | None]:
    """Each node's parent as an index into the list (parents come first)."""
    if kind == "singleton":
        return [None]
    if kind == "small":
        return [None] + [0] * rng.randint(2, 5)
    if kind == "umbrella":
        return umbrella_shape(rng)
    return deep_shape(rng)


def umbrella_shape(rng: random.Random) -> list[int | None]:
    """A root over 10-30 parts, a third of them with 1-4 parts of their own."""
    parents: list[int | None] = [None]
    for _ in range(rng.randint(10, 30)):
        child = len(parents)
        parents.append(0)
        if rng.random() < 1 / 3:
            parents.extend([child] * rng.randint(1, 4))
    return parents


def deep_shape(rng: random.Random) -> list[int | None]:
    """Every branch 4-6 levels deep, each node with one or two parts."""
    parents: list[int | None] = [None]
    level = [0]
    for _ in range(rng.randint(4, 6)):
        below = []
        for node in level:
            for _ in range(2 if rng.random() < 0.3 else 1):
                below.append(len(parents))
                parents.append(node)
        level = below
    return parents


# --- one tree's rows ------------------------------------------------------------------


@dataclass(slots=True)
class Node:
    id: int
    parent: int | None
    root: int
    path: str
    depth: int
    day: date
    status: str
    effective: str
    title: str = ""


@dataclass(slots=True)
class ClaimSeed:
    """What a later claim by the same claimant needs to revise this one."""

    id: int
    incident: int
    claimant: int | None
    side: str
    group: str
    outcome: str
    low: int
    asserted_at: datetime


@dataclass
class Chunk:
    """The rows of some whole trees, copied together."""

    rows: dict[str, list] = field(
        default_factory=lambda: {table: [] for table in TREE_TABLES}
    )
    incidents: int = 0

    def copy(self, cursor) -> None:
        for table in TREE_TABLES:
            copy_rows(cursor, table, self.rows[table])


class TreeBuilder:
    """Makes the rows of one incident tree at a time: incidents, reports, claims."""

    def __init__(self, rng: random.Random, reference: Reference, ids: dict[str, Ids]):
        self.rng = rng
        self.ref = reference
        self.ids = ids
        self.days = (reference.last_day - FIRST_DAY).days

    def build(self, chunk: Chunk, limit: int) -> int:
        """Add one tree of at most `limit` incidents to the chunk; its size."""
        shape = self.ref.tree_shapes.pick(self.rng)
        parents = tree_shape(self.rng, shape)[:limit]
        operation = shape in OPERATION_SHAPES
        nodes = self.incidents(parents, operation, chunk.rows["incidents_incident"])
        counts = [self.ref.claim_counts.pick(self.rng) for _ in nodes]
        claims = sum(counts)
        if claims:
            reports = self.reports(nodes[0], (claims + 1) // 2, chunk)
            self.claims(nodes, counts, reports, chunk)
        chunk.incidents += len(nodes)
        return len(nodes)

    # incidents

    def incidents(self, parents: list, operation: bool, rows: list) -> list[Node]:
        """The tree's nodes, parents first, all within a few days of the root.

        The root of an `operation` (an umbrella or a deep tree) is a
        coordinated attack or a security operation where the taxonomy has them.
        """
        rng, ref = self.rng, self.ref
        province = ref.pick_admin1.pick(rng)
        root_day = FIRST_DAY + timedelta(days=rng.randrange(self.days + 1))
        span = rng.randint(0, 4) if len(parents) > 1 else 0
        nodes: list[Node] = []
        for parent in parents:
            status = ref.statuses.pick(rng)
            if parent is None:
                node = self.root_node(root_day, status)
                end = root_day + timedelta(days=span) if span else None
            else:
                day = root_day + timedelta(days=rng.randint(0, span))
                node = self.child_node(nodes[parent], day, status)
                end = None
            if end is None and rng.random() < 0.3:
                end = node.day + timedelta(days=rng.randint(0, 2))
            umbrella = operation and parent is None
            rows.append(self.incident_row(node, province, end, umbrella))
            nodes.append(node)
        return nodes

    def root_node(self, day: date, status: str) -> Node:
        pk = self.ids["incidents_incident"].next()
        return Node(pk, None, pk, f"/{pk}/", 0, day, status, status)

    def child_node(self, up: Node, day: date, status: str) -> Node:
        pk = self.ids["incidents_incident"].next()
        effective = less_public(status, up.effective)
        path, depth = f"{up.path}{pk}/", up.depth + 1
        return Node(pk, up.id, up.root, path, depth, day, status, effective)

    def incident_row(self, node: Node, province: str, end, umbrella: bool) -> tuple:
        rng, ref = self.rng, self.ref
        type_slug = rng.choice(ref.umbrella_types if umbrella else ref.type_slugs)
        place = None
        if rng.random() >= NO_LOCATION_SHARE:
            place = rng.choice(ref.places[province])
        where = place.name if place else ref.admin1_names[province]
        node.title = f"{ref.types[type_slug]} in {where}"
        created = midnight(node.day) + hours(rng.randint(2, 48))
        reason = (
            "Entered twice; see the other record." if node.status == RETRACTED else ""
        )
        return (
            (node.id, 1, created, created, node.path, node.depth, node.title, "")
            + (node.day, end, "day", "exact", node.status, reason, node.parent)
            + (type_slug, place.id if place else None, node.effective, node.root)
            + ("", "")  # entered here, not imported
        )

    # reports

    def reports(self, root: Node, count: int, chunk: Chunk) -> list[int]:
        """The tree's reports, each from a random outlet, dated after the root."""
        rng, ref = self.rng, self.ref
        rows = chunk.rows["sources_report"]
        ids = []
        for _ in range(count):
            pk = self.ids["sources_report"].next()
            source, source_name, host = rng.choice(ref.sources)
            published = midnight(root.day) + hours(rng.randint(1, 96))
            created = published + hours(rng.randint(1, 12))
            url = f"https://{host}/{root.day:%Y/%m}/{pk}"
            title = f"{root.title}: {source_name}"
            rows.append(
                (pk, 1, created, created, url, title, published)
                + (ref.languages.pick(rng), "", "", ref.credibility.pick(rng), "")
                + (source,)
            )
            ids.append(pk)
        return ids

    # claims

    def claims(self, nodes, counts, reports, chunk: Chunk) -> None:
        """`counts[i]` claims on `nodes[i]`, some revising an earlier claim.

        A revision replaces the claim it supersedes as the one a later
        revision may supersede, so supersessions form chains, never forks.
        """
        rng = self.rng
        standing: list[ClaimSeed] = []  # the latest named claim of each line
        claim_rows = chunk.rows["casualties_claim"]
        link_rows = chunk.rows["casualties_claim_reports"]
        for node, count in zip(nodes, counts, strict=True):
            for _ in range(count):
                if standing and rng.random() < SUPERSEDE_SHARE:
                    line = rng.randrange(len(standing))
                    earlier = standing[line]
                    seed = self.revision(earlier)
                    standing[line] = seed
                    supersedes = earlier.id
                else:
                    seed = self.fresh_claim(node)
                    if seed.claimant is not None:
                        standing.append(seed)
                    supersedes = None
                claim_rows.append(self.claim_row(seed, supersedes))
                self.links(seed.id, reports, link_rows)

    def fresh_claim(self, node: Node) -> ClaimSeed:
        rng, ref = self.rng, self.ref
        side = ref.sides.pick(rng)
        claimant = None
        if rng.random() < NAMED_CLAIMANT_SHARE:
            claimant = rng.choice(ref.actors_by_side[side])
        return ClaimSeed(
            id=self.ids["casualties_claim"].next(),
            incident=node.id,
            claimant=claimant,
            side=side,
            group=ref.groups.pick(rng),
            outcome=ref.outcomes.pick(rng),
            low=min(150, int(rng.expovariate(1 / 10))),
            asserted_at=midnight(node.day) + hours(rng.randint(1, 96)),
        )

    def revision(self, earlier: ClaimSeed) -> ClaimSeed:
        """A later figure from the same claimant about the same thing."""
        return ClaimSeed(
            id=self.ids["casualties_claim"].next(),
            incident=earlier.incident,
            claimant=earlier.claimant,
            side=earlier.side,
            group=earlier.group,
            outcome=earlier.outcome,
            low=min(150, earlier.low + self.rng.randint(0, 10)),
            asserted_at=earlier.asserted_at + hours(self.rng.randint(6, 120)),
        )

    def claim_row(self, seed: ClaimSeed, supersedes: int | None) -> tuple:
        rng = self.rng
        low, high, point, wording = self.figures(seed.low)
        created = seed.asserted_at + hours(rng.randint(1, 12))
        retracted, reason = None, ""
        if rng.random() < RETRACTED_CLAIM_SHARE:
            retracted = created + hours(rng.randint(12, 240))
            reason = "The source withdrew the figure."
        return (
            (seed.id, 1, created, created, low, high, point, wording, seed.asserted_at)
            + ("", self.ref.assessments.pick(rng), "", retracted, reason)
            + (seed.claimant, seed.incident, supersedes)
            + (seed.side, seed.outcome, seed.group)
        )

    def figures(self, low: int) -> tuple[int, int | None, int | None, str]:
        """An interval around `low` and its wording (SPEC section 3)."""
        rng = self.rng
        roll = rng.random()
        point = low if rng.random() < 0.6 else None
        if roll < 0.5:
            return low, low, point, str(low)
        if roll < 0.75:
            high = low + rng.randint(1, 10)
            return low, high, point, f"{low} to {high}"
        if point is None and low > 0:
            return low, None, None, f"more than {low - 1}"
        return low, None, point, f"at least {low}"

    def links(self, claim: int, reports: list[int], rows: list) -> None:
        rng = self.rng
        if rng.random() >= LINKED_CLAIM_SHARE:
            return
        count = min(len(reports), 1 if rng.random() < 0.6 else 2)
        for report in rng.sample(reports, count):
            rows.append((self.ids["casualties_claim_reports"].next(), claim, report))


# --- the run --------------------------------------------------------------------------


def chunks(builder: TreeBuilder, incidents: int, chunk_size: int):
    """Chunks of whole trees, about `chunk_size` incidents each, `incidents` in all."""
    made = 0
    while made < incidents:
        chunk = Chunk()
        while chunk.incidents < chunk_size and made < incidents:
            made += builder.build(chunk, incidents - made)
        yield chunk


def ahead(items, depth: int = 2):
    """Iterate over `items` while a thread makes the next `depth` of them.

    The server spends most of a load checking keys and filling indexes; making
    the next chunk meanwhile keeps the other core busy. One thread draws all
    the random numbers, so a seed still gives the same rows.
    """
    made: queue.Queue = queue.Queue(maxsize=depth)
    end = object()

    def produce():
        try:
            for item in items:
                made.put(item)
        except BaseException as error:  # handed to the consumer to raise
            made.put(error)
        made.put(end)

    threading.Thread(target=produce, daemon=True).start()
    while (item := made.get()) is not end:
        if isinstance(item, BaseException):
            raise item
        yield item


def refuse_unless_empty(connection, cursor) -> None:
    if "incidents_incident" not in connection.introspection.table_names(cursor):
        raise Refused("The database has no tables yet: run `manage.py migrate`.")
    cursor.execute("SELECT count(*) FROM incidents_incident")
    (count,) = cursor.fetchone()
    if count:
        raise Refused(
            f"incidents_incident already holds {count:,} rows. This generator fills "
            "an empty database: drop and create it, run `manage.py migrate`, and "
            "run the generator again."
        )


def generate(connection, *, incidents: int, seed: int, chunk_size: int) -> dict:
    """Load everything in one transaction; rows written per table."""
    from django.db import transaction

    rng = random.Random(seed)
    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg's own, for COPY
        refuse_unless_empty(connection, wrapper)
        # Check each COPY's foreign keys as it ends rather than all at COMMIT,
        # so the server does not queue millions of pending checks.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        ids = {table: Ids(cursor, table) for table in COLUMNS}
        reference = load_reference(cursor, rng, ids)
        builder = TreeBuilder(rng, reference, ids)
        # disable=None: a bar on a terminal, none in a log.
        bar = tqdm(total=incidents, unit=" incidents", file=sys.stderr, disable=None)
        with bar:
            for chunk in ahead(chunks(builder, incidents, chunk_size)):
                chunk.copy(cursor)
                bar.update(chunk.incidents)
        for table_ids in ids.values():
            table_ids.restore(cursor)
    return {table: table_ids.used for table, table_ids in ids.items()}


def analyze(connection) -> None:
    """Statistics for the planner, and the tables vacuumed now.

    A fresh load leaves every row's hint bits and the visibility map unset:
    vacuuming here keeps that work (and an autovacuum that would do it) out of
    whatever is measured next.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(COLUMNS)}")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--incidents", type=int, required=True, help="How many incidents to make."
    )
    parser.add_argument("--seed", type=int, default=1, help="Random seed (1).")
    parser.add_argument(
        "--chunk-size",
        type=int,
        default=20_000,
        help="Incidents generated and copied at a time (20000).",
    )
    args = parser.parse_args(argv)
    if args.incidents < 1 or args.chunk_size < 1:
        parser.error("--incidents and --chunk-size must be at least 1.")
    return args


def setup_django():
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise Refused(
            f"This generator needs PostgreSQL (COPY), not {connection.vendor}: "
            "set DATABASE_URL."
        )
    return connection


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        connection = setup_django()
        started = time.monotonic()
        written = generate(
            connection,
            incidents=args.incidents,
            seed=args.seed,
            chunk_size=args.chunk_size,
        )
    except Refused as refusal:
        print(f"generate.py: {refusal}", file=sys.stderr)
        return 2
    loaded = time.monotonic()
    analyze(connection)
    finished = time.monotonic()
    for table, rows in written.items():
        print(f"{table:28} {rows:>10,} rows")
    print(
        f"loaded in {loaded - started:.1f} s, vacuum and analyze in "
        f"{finished - loaded:.1f} s, {finished - started:.1f} s in all"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
