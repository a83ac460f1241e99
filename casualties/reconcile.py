"""Reconcile competing casualty claims into low / best / high tallies (SPEC section 4).

Plain data in, plain data out: no Django, no ORM, no HTTP, so the rules can be read
and tested on their own. The taxonomy (side ranks, the victim-group tree) comes in
as data too: its rows live in the database, where the admin edits them.

`reconcile_rows` is the one primitive: it computes a set of rows bottom-up, reading
any part that is not among them from stored figures. A write recomputes the rows
on its path (see `path_keys`) with the other parts stored; a full recompute passes
every row and nothing stored (`reconcile_all`). Both run the same code, so they
cannot drift apart.
"""

from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from itertools import combinations
from typing import Protocol

ASSESSMENTS = ("unassessed", "credible", "contested", "discounted")

Key = tuple[int, str, str]  # (incident, group, outcome)


class Taxonomy:
    """Side ranks and the victim-group tree, with what the rules derive from them."""

    def __init__(
        self, side_rank: Mapping[str, int], group_parent: Mapping[str, str | None]
    ):
        self.side_rank = dict(side_rank)
        self.group_parent = dict(group_parent)
        # ancestors() refuses a cycle, so a bad tree fails here and not mid-write.
        self.groups_up = {g: tuple(ancestors(g, group_parent)) for g in group_parent}
        self.subgroups = children_by_parent(self.group_parent)
        self.group_depth = {g: len(path) for g, path in self.groups_up.items()}

    def rank(self, side: str) -> int:
        try:
            return self.side_rank[side]
        except KeyError:
            raise ValueError(f"unknown side {side!r}") from None

    def above(self, group: str) -> tuple[str, ...]:
        """The group, then each group above it."""
        try:
            return self.groups_up[group]
        except KeyError:
            raise ValueError(f"unknown victim group {group!r}") from None


@dataclass(slots=True)  # not frozen (which costs 2 us a claim): never changed
class ClaimData:
    """One casualty figure as a party asserted it."""

    id: int  # entry order: larger id = entered later
    incident: int
    group: str
    outcome: str
    side: str
    low: int
    high: int | None  # None = open-ended
    point: int | None = None  # None -> low is used as the point
    claimant: int | None = None  # None counts on its own
    asserted_at: datetime | None = None
    retracted: bool = False
    assessment: str = "unassessed"
    supersedes: int | None = None
    sources: frozenset[int] = frozenset()
    party: int | None = None  # whose dead: figures for other parties add up

    def __post_init__(self) -> None:
        # Fail here rather than produce a tally whose low exceeds its high.
        if self.assessment not in ASSESSMENTS:
            raise ValueError(f"claim {self.id}: unknown assessment {self.assessment!r}")
        if self.low < 0 or (self.high is not None and self.high < self.low):
            raise ValueError(f"claim {self.id}: bad interval {self.low}..{self.high}")
        if self.point is not None and self.point < 0:
            raise ValueError(f"claim {self.id}: negative point {self.point}")

    @property
    def key(self) -> Key:
        return (self.incident, self.group, self.outcome)

    @property
    def effective_point(self) -> int:
        """A claim with no stated point stands for its low (SPEC section 3)."""
        return self.low if self.point is None else self.point


class Figures(Protocol):
    """What a whole reads of a part: a stored tally, a computed one or a Part."""

    low: int
    best: int
    high: int | None


@dataclass(frozen=True, slots=True)
class Part:
    """A stored or computed tally of a part: a child incident or a subgroup."""

    low: int
    best: int
    high: int | None


@dataclass(frozen=True, slots=True)
class Review:
    """An editor's override of one tally (SPEC rule 7)."""

    best: int
    low: int | None = None  # None = keep the computed low
    high: int | None = None  # None = keep the computed high


@dataclass(slots=True)  # not frozen: a rebuild makes millions of them
class TallyFigures:
    """The reconciled figures of one (incident, group, outcome)."""

    low: int
    best: int
    high: int | None
    by_side: dict[str, tuple[int, int | None]]
    disputed: bool
    inconsistent: bool
    unattributed: int
    claims: int
    sources: int

    def as_part(self) -> Part:
        return Part(self.low, self.best, self.high)


# --- trees -------------------------------------------------------------------------


def ancestors[N: Hashable](node: N, parent: Mapping[N, N | None]) -> list[N]:
    """Self first, then each parent up to the root.

    A node missing from the mapping is a root. A cycle would make every tally on it
    depend on itself, so it is refused rather than looped over.
    """
    path = [node]
    seen = {node}
    current = parent.get(node)
    while current is not None:
        if current in seen:
            raise ValueError(f"cycle in tree at {current!r}")
        path.append(current)
        seen.add(current)
        current = parent.get(current)
    return path


def children_by_parent[N: Hashable](parent: Mapping[N, N | None]) -> dict[N, list[N]]:
    """Direct children of every node that has any."""
    children: dict[N, list[N]] = defaultdict(list)
    for node, up in parent.items():
        if up is not None:
            children[up].append(node)
    return dict(children)


def path_keys(
    incident: int,
    group: str,
    outcome: str,
    incident_parent: Mapping[int, int | None],
    taxonomy: Taxonomy,
) -> list[Key]:
    """The tallies a claim at (incident, group, outcome) feeds: its own and every
    one above it in either tree (SPEC rule 8)."""
    groups = taxonomy.above(group)
    return [
        (inc, grp, outcome)
        for inc in ancestors(incident, incident_parent)
        for grp in groups
    ]


# --- rule 1: counted claims --------------------------------------------------------


class SetAside(StrEnum):
    """Why a claim does not count (rule 1)."""

    RETRACTED = "retracted"
    DISCOUNTED = "discounted"
    SUPERSEDED = "superseded"
    OLDER = "older"  # a later figure from the same claimant counts


def _recency(claim: ClaimData) -> tuple[bool, datetime, int]:
    """Assertion time, then entry order; an undated claim cannot be shown newer."""
    if claim.asserted_at is None:
        return (False, datetime.min, claim.id)
    return (True, claim.asserted_at, claim.id)


def superseded_ids(claims: Iterable[ClaimData]) -> set[int]:
    """Ids that a live claim replaces.

    A retracted correction is treated as never entered, so the claim it meant to
    replace stands again; a discounted one still replaces it (the claimant did
    withdraw the earlier figure, the editor only doubts the new one).
    """
    return {
        c.supersedes
        for c in claims
        if c.supersedes is not None and c.supersedes != c.id and not c.retracted
    }


def set_aside(
    claims: Iterable[ClaimData], superseded: Collection[int] = ()
) -> dict[int, SetAside]:
    """Why each of these claims does not count; the claims missing from the
    answer count.

    Pass every claim of each key, retracted ones included, so supersession can be
    judged; `superseded` adds ids replaced by claims the caller holds elsewhere.
    Per key and claimant only the latest counts, because a party's newer figure
    replaces its older one; claims with no claimant cannot be tied together, so
    each counts. A claimant's figures for different parties (the dead of each
    side of a clash, as UCDP gives them) are about different people: the latest
    of each party counts, and `claimant_figures` adds them up.
    """
    claims = list(claims)
    hidden = superseded_ids(claims).union(superseded)
    reasons: dict[int, SetAside] = {}
    latest: dict[tuple[int, str, str, int, int | None], ClaimData] = {}
    for claim in claims:
        if claim.retracted:
            reasons[claim.id] = SetAside.RETRACTED
        elif claim.assessment == "discounted":
            reasons[claim.id] = SetAside.DISCOUNTED
        elif claim.id in hidden:
            reasons[claim.id] = SetAside.SUPERSEDED
        elif claim.claimant is not None:
            slot = (*claim.key, claim.claimant, claim.party)
            current = latest.get(slot)
            if current is None:
                latest[slot] = claim
            elif _recency(claim) > _recency(current):
                reasons[current.id] = SetAside.OLDER
                latest[slot] = claim
            else:
                reasons[claim.id] = SetAside.OLDER
    return reasons


def counted_by_key(
    claims: Iterable[ClaimData], superseded: Collection[int] = ()
) -> dict[Key, list[ClaimData]]:
    """The counted claims of each key, in entry order."""
    claims = sorted(claims, key=lambda c: c.id)
    reasons = set_aside(claims, superseded)
    counted: dict[Key, list[ClaimData]] = defaultdict(list)
    for claim in claims:
        if claim.id not in reasons:
            counted[claim.key].append(claim)
    return dict(counted)


def counted_claims(
    claims: Iterable[ClaimData], superseded: Collection[int] = ()
) -> list[ClaimData]:
    """The claims that count, in entry order."""
    return [c for kept in counted_by_key(claims, superseded).values() for c in kept]


# --- rules 2 to 6: one tally --------------------------------------------------------


def claimant_figures(claims: Sequence[ClaimData]) -> Sequence[ClaimData]:
    """The counted claims of one key with each claimant's figures for several
    parties added into one (its latest claim carrying the sums), so that rules
    2, 3 and 6 weigh claimants against each other, never a party against
    another party of the same claimant."""
    seen: set[int] = set()
    merge: set[int] = set()
    for claim in claims:
        if claim.claimant is not None:
            if claim.claimant in seen:
                merge.add(claim.claimant)
            seen.add(claim.claimant)
    if not merge:
        return claims
    kept = [c for c in claims if c.claimant not in merge]
    for claimant in merge:
        parts = [c for c in claims if c.claimant == claimant]
        latest = max(parts, key=_recency)
        high = None
        if all(c.high is not None for c in parts):
            high = sum(c.high for c in parts)
        kept.append(
            ClaimData(
                latest.id,
                latest.incident,
                latest.group,
                latest.outcome,
                latest.side,
                sum(c.low for c in parts),
                high,
                sum(c.effective_point for c in parts),
                claimant,
                latest.asserted_at,
                sources=frozenset().union(*(c.sources for c in parts)),
            )
        )
    return sorted(kept, key=lambda c: c.id)


def _max_high(highs: Iterable[int | None]) -> int | None:
    """The largest of some highs, where None (open) is larger than any number."""
    largest = 0
    for high in highs:
        if high is None:
            return None
        largest = max(largest, high)
    return largest


def _clamp(value: int, low: int, high: int | None) -> int:
    value = max(value, low)
    return value if high is None else min(value, high)


def _by_side(
    claims: Sequence[ClaimData], side_rank: Mapping[str, int]
) -> dict[str, tuple[int, int | None]]:
    """Each side's own interval, highest-ranked side first for display."""
    if len(claims) == 1:
        return {claims[0].side: (claims[0].low, claims[0].high)}
    by_side: dict[str, tuple[int, int | None]] = {}
    for side in sorted({c.side for c in claims}, key=side_rank.__getitem__)[::-1]:
        of_side = [c for c in claims if c.side == side]
        by_side[side] = (
            min(c.low for c in of_side),
            _max_high(c.high for c in of_side),
        )
    return by_side


def _provisional_best(
    claims: Sequence[ClaimData], low: int, high: int | None, side_rank
) -> int:
    """Rule 3: the most recent word of the most trusted side present."""
    top = max(side_rank[c.side] for c in claims)
    latest = max((c for c in claims if side_rank[c.side] == top), key=_recency)
    return _clamp(latest.effective_point, low, high)


@dataclass(slots=True)
class PartSum:
    """The rows of one kind of part, summed: how many, and their low, best, high.

    A kind that exists with no rows (child incidents without figures) is a
    PartSum of no rows; a kind that does not exist at all is None.
    """

    rows: int = 0
    low: int = 0
    best: int = 0
    high: int | None = 0  # None once any part is open

    def add(self, part: Figures) -> None:
        self.rows += 1
        self.low += part.low
        self.best += part.best
        if self.high is not None:
            self.high = None if part.high is None else self.high + part.high

    @classmethod
    def of(cls, parts: Iterable[Figures] | None) -> "PartSum | None":
        if parts is None:
            return None
        total = cls()
        for part in parts:
            total.add(part)
        return total


NO_PARTS = PartSum()  # a kind of part with no rows (read, never added to)


def _overlap(a: ClaimData, b: ClaimData) -> bool:
    return (a.high is None or b.low <= a.high) and (b.high is None or a.low <= b.high)


def _points_differ(x: int, y: int) -> bool:
    """At least 3 apart and more than 25 % of the smaller, in exact integers."""
    diff = abs(x - y)
    return diff >= 3 and 4 * diff > min(x, y)


def is_disputed(claims: Sequence[ClaimData]) -> bool:
    """Rule 6; a side never disputes itself, since its own revisions are rule 1's."""
    return any(
        a.side != b.side
        and (not _overlap(a, b) or _points_differ(a.effective_point, b.effective_point))
        for a, b in combinations(claims, 2)
    )


def _apply_review(
    review: Review, low: int, high: int | None
) -> tuple[int, int, int | None]:
    """The editor's figures win inside the interval the claims and parts prove.

    A review is made inside that interval; when later writes move it past the
    review (the tally is stale by then), the review is clamped rather than
    allowed to deny what the parts now prove, until an editor looks again.
    """
    best = _clamp(review.best, low, high)
    if review.low is not None:
        low = min(max(review.low, low), best)
    if review.high is not None:
        high = max(review.high if high is None else min(review.high, high), best)
    return low, best, high


def compute_tally(
    own: Sequence[ClaimData],
    child_parts: Sequence[Figures] | None,
    subgroup_parts: Sequence[Figures] | None,
    review: Review | None = None,
    *,
    side_rank: Mapping[str, int],
) -> TallyFigures | None:
    """Rules 2 to 6 and the review override for one (incident, group, outcome).

    `own` are the counted claims at this exact key (see counted_by_key). The parts
    are the tallies of the direct child incidents at this group and of this
    incident at the direct subgroups: None where there is no such kind of part
    (no child incidents, no subgroups), a possibly empty list of the rows that
    exist where there is. Parts are lower bounds of the whole, never added to it.
    Returns None when there is nothing to tally, i.e. the row should not exist.
    """
    _check_sides(own, side_rank)
    return tally_of_sums(
        own,
        PartSum.of(child_parts),
        PartSum.of(subgroup_parts),
        review,
        side_rank=side_rank,
    )


def _check_sides(claims: Iterable[ClaimData], side_rank: Mapping[str, int]) -> None:
    for claim in claims:
        if claim.side not in side_rank:
            raise ValueError(f"claim {claim.id}: unknown side {claim.side!r}")


def tally_of_sums(
    own: Sequence[ClaimData],
    children: PartSum | None,
    subgroups: PartSum | None,
    review: Review | None = None,
    *,
    side_rank: Mapping[str, int],
) -> TallyFigures | None:
    """`compute_tally` with each kind of part already summed (see PartSum) and
    the claims' sides known to the taxonomy. A rebuild runs this for every row,
    so the common shapes (no own claim, one own claim) take short paths."""
    sums = [s for s in (children, subgroups) if s is not None and s.rows]
    counted = len(own)
    if counted > 1:
        own = claimant_figures(own)
    if not own:
        if not sums:
            return None
        low = max(s.low for s in sums)
        best = max(low, max(s.best for s in sums))
        high = _max_high(s.high for s in sums)
        if high is not None and high < best:
            high = best
        if review is not None:
            low, best, high = _apply_review(review, low, high)
        return TallyFigures(low, best, high, {}, False, False, 0, 0, 0)

    if len(own) == 1:
        claim = own[0]
        own_low, own_high = claim.low, claim.high
        own_best = _clamp(claim.effective_point, own_low, own_high)
        by_side = {claim.side: (own_low, own_high)}
        disputed = False
        sources = len(claim.sources)
    else:
        own_low = min(c.low for c in own)
        own_high = _max_high(c.high for c in own)
        own_best = _provisional_best(own, own_low, own_high, side_rank)
        by_side = _by_side(own, side_rank)
        disputed = is_disputed(own)
        sources = len({source for c in own for source in c.sources})

    low, best, high = own_low, own_best, own_high
    inconsistent = False
    for part in sums:
        low = max(low, part.low)
        best = max(best, part.best)
        inconsistent = inconsistent or (own_high is not None and part.low > own_high)
    best = max(best, low)
    if high is not None and high < best:
        high = best
    if review is not None:
        low, best, high = _apply_review(review, low, high)
    # Rule 5: each kind of part that exists sums its rows (0 when it has none).
    kinds = [s.best for s in (children, subgroups) if s is not None]
    unattributed = max(0, own_best - max(kinds)) if kinds else 0
    return TallyFigures(
        low,
        best,
        high,
        by_side,
        disputed,
        inconsistent,
        unattributed,
        counted,
        sources,
    )


# --- many rows ---------------------------------------------------------------------


def _depths(incident_parent: Mapping[int, int | None]) -> dict[int, int]:
    depth: dict[int, int] = {}
    for incident in incident_parent:
        chain = []
        node: int | None = incident
        while node is not None and node not in depth:
            chain.append(node)
            node = incident_parent.get(node)
            if len(chain) > len(incident_parent) + 1:
                raise ValueError(f"cycle in tree at {incident!r}")
        base = 0 if node is None else depth[node]
        for offset, item in enumerate(reversed(chain), start=1):
            depth[item] = base + offset
    return depth


def reconcile_rows(
    keys: Iterable[Key],
    counted: Mapping[Key, Sequence[ClaimData]],
    incident_parent: Mapping[int, int | None],
    taxonomy: Taxonomy,
    reviews: Mapping[Key, Review] | None = None,
    stored: Mapping[Key, Figures] | None = None,
) -> dict[Key, TallyFigures | None]:
    """Compute these rows, deepest incidents first and, within one, deepest groups
    first, so every part is final before the whole that sums it.

    `incident_parent` must hold every incident of the figures being computed (its
    children are the kinds of part rule 5 looks at); parts that are not among
    `keys` are read from `stored`. None in the answer: the row should not exist.
    Each row, once computed, is added to the sums of the two wholes above it, so
    a whole with many parts costs no more than one with few.
    """
    reviews = reviews or {}
    keys = set(keys)
    has_children = {parent for parent in incident_parent.values() if parent is not None}
    group_parent = taxonomy.group_parent
    subgroups = taxonomy.subgroups
    depth = _depths(incident_parent)
    group_depth = taxonomy.group_depth
    of_children: dict[Key, PartSum] = {}  # the sums each whole will read
    of_subgroups: dict[Key, PartSum] = {}

    def add_to_wholes(key: Key, figures: Figures) -> None:
        # Run for every row of a rebuild: written out rather than looped.
        incident, group, outcome = key
        up = incident_parent.get(incident)
        if up is not None:
            whole = (up, group, outcome)
            total = of_children.get(whole)
            if total is None:
                total = of_children[whole] = PartSum()
            total.add(figures)
        up = group_parent.get(group)
        if up is not None:
            whole = (incident, up, outcome)
            total = of_subgroups.get(whole)
            if total is None:
                total = of_subgroups[whole] = PartSum()
            total.add(figures)

    for key, figures in (stored or {}).items():
        if key not in keys and key[0] in incident_parent:
            add_to_wholes(key, figures)

    side_rank = taxonomy.side_rank
    _check_sides((c for claims in counted.values() for c in claims), side_rank)
    rows: dict[Key, TallyFigures | None] = {}
    for key in sorted(keys, key=lambda k: (-depth.get(k[0], 1), -group_depth[k[1]])):
        figures = tally_of_sums(
            counted.get(key, ()),
            of_children.get(key, NO_PARTS) if key[0] in has_children else None,
            of_subgroups.get(key, NO_PARTS) if key[1] in subgroups else None,
            reviews.get(key),
            side_rank=side_rank,
        )
        rows[key] = figures
        if figures is not None:
            add_to_wholes(key, figures)
    return rows


def reconcile_all(
    claims: Iterable[ClaimData],
    incident_parent: Mapping[int, int | None],
    taxonomy: Taxonomy,
    reviews: Mapping[Key, Review] | None = None,
) -> dict[Key, TallyFigures]:
    """Recompute every tally from scratch.

    `incident_parent` holds the incidents of these figures (for the published
    figures: the published incidents only); a claim about any other incident is
    treated as never entered, so it neither counts nor supersedes.
    """
    counted = counted_by_key(c for c in claims if c.incident in incident_parent)
    keys = {
        row
        for incident, group, outcome in counted
        for row in path_keys(incident, group, outcome, incident_parent, taxonomy)
    }
    rows = reconcile_rows(keys, counted, incident_parent, taxonomy, reviews)
    return {key: figures for key, figures in rows.items() if figures is not None}
