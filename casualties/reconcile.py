"""Reconcile competing casualty claims into low / best / high tallies (SPEC section 4).

Plain data in, plain data out: no Django, no ORM, no HTTP, so the rules can be read
and tested on their own. The Django layer turns rows into ClaimData, Part and Review,
calls compute_tally bottom-up along the path a write touches (see path_keys) and
stores the TallyFigures it gets back. reconcile_all is the full recompute built from
the same primitive, so the incremental and the full recompute cannot drift apart.
"""

from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations

SIDE_RANK = {"independent": 3, "official": 2, "unknown": 1, "perpetrator": 0}
ASSESSMENTS = ("unassessed", "credible", "contested", "discounted")
OUTCOMES = ("killed", "injured", "abducted", "missing", "detained", "freed")
GROUP_PARENT: dict[str, str | None] = {
    "all": None,
    "civilians": "all",
    "security-forces": "all",
    "police": "security-forces",
    "paramilitary": "security-forces",
    "military": "security-forces",
    "militants": "all",
    "detainees": "all",
    "unknown": "all",
}

Key = tuple[int, str, str]  # (incident, group, outcome)


@dataclass(frozen=True)
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

    def __post_init__(self) -> None:
        # Fail here rather than produce a tally whose low exceeds its high.
        if self.side not in SIDE_RANK:
            raise ValueError(f"claim {self.id}: unknown side {self.side!r}")
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


@dataclass(frozen=True)
class Part:
    """A stored or computed tally of a part: a child incident or a subgroup."""

    low: int
    best: int
    high: int | None


@dataclass(frozen=True)
class Review:
    """An editor's override of one tally (SPEC rule 7)."""

    best: int
    low: int | None = None  # None = keep the computed low
    high: int | None = None  # None = keep the computed high


@dataclass(frozen=True)
class TallyFigures:
    """The reconciled figures of one (incident, group, outcome)."""

    low: int
    best: int
    high: int | None
    # Compared but not hashed: a dict cannot be hashed, the other fields suffice.
    by_side: dict[str, tuple[int, int | None]] = field(hash=False)
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
    """Direct children of every node, sorted so that results never depend on order."""
    children: dict[N, list[N]] = defaultdict(list)
    for node, up in parent.items():
        if up is not None:
            children[up].append(node)
    return {node: sorted(kids, key=repr) for node, kids in children.items()}


def path_keys[I: Hashable, G: Hashable](
    incident: I,
    group: G,
    incident_parent: Mapping[I, I | None],
    group_parent: Mapping[G, G | None],
) -> list[tuple[I, G]]:
    """The (incident, group) tallies a claim at (incident, group) affects, bottom-up.

    Each pair comes after the child incident and the subgroup on the path that it
    sums, so recomputing them in this order with compute_tally needs only stored
    rows (SPEC rule 8).
    """
    groups = ancestors(group, group_parent)
    return [
        (inc, grp) for inc in ancestors(incident, incident_parent) for grp in groups
    ]


# --- rule 1: counted claims --------------------------------------------------------


def _recency(claim: ClaimData) -> tuple[bool, datetime, int]:
    """Assertion time, then entry order; an undated claim cannot be shown newer."""
    if claim.asserted_at is None:
        return (False, datetime.min, claim.id)
    return (True, claim.asserted_at, claim.id)


def superseded_ids(claims: Iterable[ClaimData]) -> set[int]:
    """Ids that a live claim replaces.

    A retracted correction withdraws nothing, so the claim it meant to replace
    stands again.
    """
    return {
        c.supersedes
        for c in claims
        if c.supersedes is not None and c.supersedes != c.id and not c.retracted
    }


def _set_aside(claim: ClaimData) -> bool:
    return claim.retracted or claim.assessment == "discounted"


def counted_claims(
    claims: Iterable[ClaimData], superseded: Collection[int] = ()
) -> list[ClaimData]:
    """The claims of one key that count, in entry order (rule 1).

    Pass every claim of the key, retracted ones included, so supersession can be
    judged; `superseded` adds ids replaced by claims the caller holds elsewhere.
    Per claimant only the latest counts because a party's newer figure replaces its
    older one; claims with no claimant cannot be tied together, so each counts.
    """
    claims = list(claims)
    hidden = superseded_ids(claims).union(superseded)
    latest: dict[int, ClaimData] = {}
    loose: list[ClaimData] = []
    for claim in claims:
        if _set_aside(claim) or claim.id in hidden:
            continue
        if claim.claimant is None:
            loose.append(claim)
            continue
        current = latest.get(claim.claimant)
        if current is None or _recency(claim) > _recency(current):
            latest[claim.claimant] = claim
    return sorted([*loose, *latest.values()], key=lambda c: c.id)


# --- rules 2 to 6: one tally --------------------------------------------------------


def _max_high(highs: Iterable[int | None]) -> int | None:
    """The largest of some highs, where None (open) is larger than any number."""
    highs = list(highs)
    finite = [h for h in highs if h is not None]
    return max(finite) if len(finite) == len(highs) else None


def _interval(claims: Sequence[ClaimData]) -> tuple[int, int | None]:
    return min(c.low for c in claims), _max_high(c.high for c in claims)


def _clamp(value: int, low: int, high: int | None) -> int:
    value = max(value, low)
    return value if high is None else min(value, high)


def _by_side(claims: Sequence[ClaimData]) -> dict[str, tuple[int, int | None]]:
    """Each side's own interval, highest-ranked side first for display."""
    by_side = {}
    for side in sorted(SIDE_RANK, key=SIDE_RANK.__getitem__, reverse=True):
        of_side = [c for c in claims if c.side == side]
        if of_side:
            by_side[side] = _interval(of_side)
    return by_side


def _provisional_best(claims: Sequence[ClaimData], low: int, high: int | None) -> int:
    """Rule 3: the most recent word of the most trusted side present."""
    top = max(SIDE_RANK[c.side] for c in claims)
    latest = max((c for c in claims if SIDE_RANK[c.side] == top), key=_recency)
    return _clamp(latest.effective_point, low, high)


def _sum_parts(parts: Sequence[Part]) -> Part | None:
    """None for no parts: a missing row adds nothing, which is not a zero."""
    if not parts:
        return None
    return Part(
        low=sum(p.low for p in parts),
        best=sum(p.best for p in parts),
        high=None if any(p.high is None for p in parts) else sum(p.high for p in parts),
    )


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


def _unattributed(own_best: int, sums: Sequence[Part]) -> int:
    """Rule 5. With no parts there is nothing to attribute to, so a leaf's own figure
    is not reported as unattributed (it would flag every leaf tally)."""
    if not sums:
        return 0
    return max(0, own_best - max(s.best for s in sums))


def _inconsistent(own_high: int | None, sums: Sequence[Part]) -> bool:
    return own_high is not None and any(s.low > own_high for s in sums)


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
    child_parts: Sequence[Part],
    subgroup_parts: Sequence[Part],
    review: Review | None = None,
) -> TallyFigures | None:
    """Rules 2 to 6 and the review override for one (incident, group, outcome).

    `own` are the counted claims at this exact key (see counted_claims); the parts
    are the tallies of the direct child incidents at this group and of this incident
    at the direct subgroups. Parts are lower bounds of the whole, never added to it.
    Returns None when there is nothing to tally, i.e. the row should not exist.
    """
    own = list(own)
    sums = [
        s
        for s in (_sum_parts(child_parts), _sum_parts(subgroup_parts))
        if s is not None
    ]
    if not own and not sums:
        return None

    own_part: Part | None = None
    if own:
        own_low, own_high = _interval(own)
        own_best = _provisional_best(own, own_low, own_high)
        own_part = Part(own_low, own_best, own_high)
    candidates = [p for p in (own_part, *sums) if p is not None]

    low = max(p.low for p in candidates)
    best = max(low, *(p.best for p in candidates))
    high = own_part.high if own_part else _max_high(s.high for s in sums)
    if high is not None:
        high = max(high, best)
    if review is not None:
        low, best, high = _apply_review(review, low, high)

    return TallyFigures(
        low=low,
        best=best,
        high=high,
        by_side=_by_side(own),
        disputed=is_disputed(own),
        inconsistent=own_part is not None and _inconsistent(own_part.high, sums),
        unattributed=0 if own_part is None else _unattributed(own_part.best, sums),
        claims=len(own),
        sources=len(frozenset().union(*(c.sources for c in own))),
    )


# --- full recompute ----------------------------------------------------------------


def _row_keys(
    counted: Mapping[Key, list[ClaimData]],
    incident_parent: Mapping[int, int | None],
    group_parent: Mapping[str, str | None],
) -> set[Key]:
    """Every tally a counted claim reaches: its incident and group and their
    ancestors, at its outcome."""
    return {
        (inc, grp, outcome)
        for (incident, group, outcome) in counted
        for inc, grp in path_keys(incident, group, incident_parent, group_parent)
    }


def _bottom_up(
    keys: Iterable[Key],
    incident_parent: Mapping[int, int | None],
    group_parent: Mapping[str, str | None],
) -> list[Key]:
    """Deepest incidents first and, within one, deepest groups first, so every part
    is final before the whole that sums it."""

    def order(key: Key) -> tuple[int, int, str]:
        incident, group, _ = key
        incident_depth = len(ancestors(incident, incident_parent))
        group_depth = len(ancestors(group, group_parent))
        return (-incident_depth, -group_depth, repr(key))

    return sorted(keys, key=order)


def reconcile_all(
    claims: Iterable[ClaimData],
    incident_parent: Mapping[int, int | None],
    group_parent: Mapping[str, str | None] = GROUP_PARENT,
    reviews: Mapping[Key, Review] | None = None,
) -> dict[Key, TallyFigures]:
    """Recompute every tally from scratch, deepest incidents and groups first, so
    each row is built from its parts' final (possibly reviewed) figures."""
    claims = list(claims)
    reviews = reviews or {}
    hidden = superseded_ids(claims)  # a claim may replace one filed under another key
    by_key: dict[Key, list[ClaimData]] = defaultdict(list)
    for claim in claims:
        by_key[claim.key].append(claim)
    counted = {
        key: kept
        for key, group in by_key.items()
        if (kept := counted_claims(group, hidden))
    }

    child_incidents = children_by_parent(incident_parent)
    subgroups = children_by_parent(group_parent)
    row_keys = _row_keys(counted, incident_parent, group_parent)

    rows: dict[Key, TallyFigures] = {}
    for key in _bottom_up(row_keys, incident_parent, group_parent):
        inc, grp, outcome = key
        child_keys = [(c, grp, outcome) for c in child_incidents.get(inc, [])]
        sub_keys = [(inc, g, outcome) for g in subgroups.get(grp, [])]
        tally = compute_tally(
            counted.get(key, []),
            [rows[k].as_part() for k in child_keys if k in rows],
            [rows[k].as_part() for k in sub_keys if k in rows],
            reviews.get(key),
        )
        if tally is not None:  # always, since every row key has a claim below it
            rows[key] = tally
    return rows
