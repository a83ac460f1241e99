"""Tests of the reconciliation rules (SPEC section 4) on plain data, without Django."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casualties.reconcile import (
    ClaimData,
    Part,
    Review,
    SetAside,
    Taxonomy,
    ancestors,
    children_by_parent,
    compute_tally,
    counted_by_key,
    counted_claims,
    is_disputed,
    path_keys,
    reconcile_all,
    reconcile_rows,
    set_aside,
    superseded_ids,
)

# The taxonomy as the migrations seed it (the engine reads it from the database).
SIDE_RANK = {"independent": 3, "official": 2, "unknown": 1, "perpetrator": 0}
GROUP_PARENT = {
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
TAXONOMY = Taxonomy(SIDE_RANK, GROUP_PARENT)

T0 = datetime(2026, 1, 30, 12, tzinfo=UTC)
_ids = count(1000)


def claim(**fields) -> ClaimData:
    """A killed-civilians claim at incident 1 unless told otherwise."""
    defaults = dict(
        id=next(_ids),
        incident=1,
        group="civilians",
        outcome="killed",
        side="official",
        low=10,
        high=10,
    )
    return ClaimData(**(defaults | fields))


def exact(n: int, **fields) -> ClaimData:
    return claim(low=n, high=n, **fields)


def tally(own=(), children=None, subgroups=None, review=None, side_rank=SIDE_RANK):
    """One row; `children`/`subgroups` None: the incident has no child
    incidents, the group no subgroups (a list: they exist, with these rows)."""
    return compute_tally(list(own), children, subgroups, review, side_rank=side_rank)


# --- the reference case (SPEC section 5) --------------------------------------------

ROOT, GWADAR, MASTUNG, RAIL, HIGHWAYS, POLICE_STATIONS, PARAMILITARY = range(1, 8)
RESPONSE, EARLIER_RAIDS = 8, 9
REFERENCE_INCIDENTS = {ROOT: None} | {child: ROOT for child in range(2, 10)}

INTERIOR_MINISTER, AUTHORITIES, MILITARY, BLA = 101, 102, 103, 104
FRANCE24, AP, X, MINISTER_SOURCE, MILITARY_SOURCE, BLA_MEDIA = range(1, 7)


CIVILIANS_KILLED = ("civilians", "killed")
SECURITY_KILLED = ("security-forces", "killed")
MILITANTS_KILLED = ("militants", "killed")
INJURED = ("all", "injured")
DETAINEES_FREED = ("detainees", "freed")


def said(id, incident, what, claimant, side, low, high, *sources, point=None):
    group, outcome = what
    return ClaimData(
        id=id,
        incident=incident,
        group=group,
        outcome=outcome,
        side=side,
        low=low,
        high=high,
        point=point,
        claimant=claimant,
        asserted_at=T0 + timedelta(days=1),
        sources=frozenset(sources),
    )


# fmt: off
REFERENCE_CLAIMS = [
    said(1, ROOT, CIVILIANS_KILLED, AUTHORITIES, "official", 11, 11, FRANCE24, AP),
    said(2, ROOT, SECURITY_KILLED, INTERIOR_MINISTER, "official", 10, 10,
         FRANCE24, AP, MINISTER_SOURCE),
    # "a higher toll than the government's figure" of 10: more than 10
    said(3, ROOT, SECURITY_KILLED, BLA, "perpetrator", 11, None, X, BLA_MEDIA),
    said(4, ROOT, INJURED, INTERIOR_MINISTER, "official", 24, None, FRANCE24, AP),
    said(5, ROOT, MILITANTS_KILLED, AUTHORITIES, "official", 108, None, FRANCE24,
         point=108),
    said(6, RESPONSE, MILITANTS_KILLED, AUTHORITIES, "official", 67, 67, AP),
    said(7, EARLIER_RAIDS, MILITANTS_KILLED, MILITARY, "official", 41, 41,
         AP, MILITARY_SOURCE),
    said(8, MASTUNG, DETAINEES_FREED, None, "unknown", 31, None, FRANCE24, AP),
]
# fmt: on


@pytest.fixture
def reference_rows():
    return reconcile_all(REFERENCE_CLAIMS, REFERENCE_INCIDENTS, TAXONOMY)


@pytest.mark.parametrize(
    ("group", "outcome", "low", "best", "high", "disputed", "unattributed"),
    [
        ("civilians", "killed", 11, 11, 11, False, 11),
        ("security-forces", "killed", 10, 10, None, True, 10),
        ("militants", "killed", 108, 108, None, False, 0),
        ("all", "killed", 129, 129, None, False, 0),
        ("all", "injured", 24, 24, None, False, 24),
        ("detainees", "freed", 31, 31, None, False, 0),
    ],
)
def test_reference_case_gives_the_expected_root_table(
    reference_rows, group, outcome, low, best, high, disputed, unattributed
):
    row = reference_rows[(ROOT, group, outcome)]
    assert (row.low, row.best, row.high) == (low, best, high)
    assert row.disputed is disputed
    assert row.unattributed == unattributed
    assert row.inconsistent is False  # so only the disputed row needs review


def test_reference_case_attributes_all_108_militants_to_the_two_operations(
    reference_rows,
):
    assert reference_rows[(ROOT, "militants", "killed")].unattributed == 0


def test_reference_case_keeps_each_sides_interval_for_security_forces(
    reference_rows,
):
    row = reference_rows[(ROOT, "security-forces", "killed")]
    assert row.by_side == {"official": (10, 10), "perpetrator": (11, None)}
    assert (row.claims, row.sources) == (2, 5)


def test_reference_case_tallies_the_child_incidents(reference_rows):
    def figures(key):
        row = reference_rows[key]
        return (row.low, row.best, row.high)

    assert figures((RESPONSE, "militants", "killed")) == (67, 67, 67)
    assert figures((EARLIER_RAIDS, "militants", "killed")) == (41, 41, 41)
    assert figures((MASTUNG, "detainees", "freed")) == (31, 31, None)


def test_reference_case_creates_no_rows_for_incidents_without_claims(
    reference_rows,
):
    incidents = {incident for incident, _, _ in reference_rows}
    assert incidents == {ROOT, MASTUNG, RESPONSE, EARLIER_RAIDS}


# --- rule 1: counted claims ----------------------------------------------------------


def test_latest_claim_per_claimant_wins():
    older = exact(5, claimant=1, asserted_at=T0 + timedelta(hours=2))
    newer = exact(7, claimant=1, asserted_at=T0 + timedelta(hours=3))
    assert counted_claims([newer, older]) == [newer]


def test_entry_order_breaks_a_tie_in_assertion_time():
    first = exact(5, id=1, claimant=1, asserted_at=T0)
    second = exact(7, id=2, claimant=1, asserted_at=T0)
    assert counted_claims([second, first]) == [second]


def test_an_undated_claim_is_older_than_any_dated_one():
    dated = exact(5, id=1, claimant=1, asserted_at=T0)
    undated = exact(7, id=2, claimant=1)
    assert counted_claims([dated, undated]) == [dated]


def test_claims_without_a_claimant_each_count():
    a, b = exact(5, claimant=None), exact(7, claimant=None)
    assert counted_claims([a, b]) == [a, b]


def test_superseded_claim_is_set_aside():
    original = exact(5, id=1, claimant=1)
    correction = exact(7, id=2, claimant=2, supersedes=1)
    assert counted_claims([original, correction]) == [correction]


def test_a_retracted_correction_does_not_hide_the_original():
    original = exact(5, id=1)
    correction = exact(7, id=2, supersedes=1, retracted=True)
    assert counted_claims([original, correction]) == [original]


def test_claims_superseded_from_another_key_are_set_aside():
    original = exact(5, id=1)
    elsewhere = exact(7, id=2, group="police", supersedes=1)
    ids = superseded_ids([original, elsewhere])
    assert counted_claims([original], ids) == []


def test_retracted_and_discounted_claims_are_set_aside():
    kept = exact(5, claimant=1)
    retracted = exact(6, claimant=2, retracted=True)
    discounted = exact(7, claimant=3, assessment="discounted")
    assert counted_claims([kept, retracted, discounted]) == [kept]


def test_a_discounted_correction_still_supersedes():
    original = exact(5, id=1, claimant=1)
    correction = exact(7, id=2, claimant=1, supersedes=1, assessment="discounted")
    assert counted_claims([original, correction]) == []


def test_each_set_aside_claim_says_why():
    first = exact(5, id=1, claimant=1, asserted_at=T0)
    later = exact(6, id=2, claimant=1, asserted_at=T0 + timedelta(1))
    replaced = exact(7, id=3, claimant=2)
    correction = exact(8, id=4, claimant=2, supersedes=3)
    gone = exact(9, id=5, retracted=True)
    doubted = exact(10, id=6, assessment="discounted")
    reasons = set_aside([first, later, replaced, correction, gone, doubted])
    assert reasons == {
        1: SetAside.OLDER,
        3: SetAside.SUPERSEDED,
        5: SetAside.RETRACTED,
        6: SetAside.DISCOUNTED,
    }


# --- parties: whose dead a figure counts ----------------------------------------------


def test_a_claimants_figures_for_two_parties_both_count():
    india = exact(3, id=1, claimant=1, party=11)
    pakistan = exact(2, id=2, claimant=1, party=12)

    assert counted_claims([india, pakistan]) == [india, pakistan]


def test_a_claimants_figures_for_two_parties_add_up_in_the_tally():
    """UCDP's deaths_a and deaths_b when both sides are states: both are
    security forces, and the group's dead are the two sums, not the larger."""
    india = claim(id=1, claimant=1, party=11, low=0, high=9, point=3)
    pakistan = claim(id=2, claimant=1, party=12, low=0, high=9, point=2)

    figures = tally([india, pakistan])

    assert (figures.low, figures.best, figures.high) == (0, 5, 18)
    assert figures.claims == 2
    assert not figures.disputed


def test_a_newer_figure_for_one_party_replaces_only_that_partys():
    older = exact(3, id=1, claimant=1, party=11, asserted_at=T0)
    other = exact(2, id=2, claimant=1, party=12, asserted_at=T0)
    newer = exact(4, id=3, claimant=1, party=11, asserted_at=T0 + timedelta(1))

    assert set_aside([older, other, newer]) == {1: SetAside.OLDER}
    assert tally(counted_claims([older, other, newer])).best == 6


def test_summed_parties_are_weighed_against_another_claimant_as_one_figure():
    ucdp_a = exact(3, id=1, claimant=1, party=11, side="independent")
    ucdp_b = exact(2, id=2, claimant=1, party=12, side="independent")
    ministry = exact(12, id=3, claimant=2, side="official")

    figures = tally([ucdp_a, ucdp_b, ministry])

    assert figures.best == 5  # the independent side's figure, both parties
    assert figures.by_side == {"independent": (5, 5), "official": (12, 12)}
    assert figures.disputed


def test_a_discounted_latest_claim_lets_the_claimants_previous_claim_count():
    previous = exact(5, claimant=1, asserted_at=T0)
    discounted = exact(
        7, claimant=1, asserted_at=T0 + timedelta(1), assessment="discounted"
    )
    assert counted_claims([previous, discounted]) == [previous]


# --- rules 2 and 3: own interval and provisional best --------------------------------


def test_own_interval_spans_the_counted_claims_and_opens_if_any_is_open():
    row = tally([claim(low=5, high=9), claim(low=7, high=None, claimant=2)])
    assert (row.low, row.high) == (5, None)


def test_best_is_the_highest_ranked_sides_figure():
    row = tally([exact(20, side="perpetrator"), exact(12, side="independent")])
    assert row.best == 12


def test_best_is_the_most_recent_claim_of_that_side():
    row = tally(
        [
            exact(8, claimant=1, asserted_at=T0 + timedelta(hours=5)),
            exact(9, claimant=2, asserted_at=T0),
        ]
    )
    assert row.best == 8


def test_the_ranks_come_from_the_taxonomy_given():
    claims = [exact(20, side="perpetrator"), exact(12, side="independent")]
    ranks = SIDE_RANK | {"perpetrator": 9}
    assert tally(claims, side_rank=ranks).best == 20


def test_a_side_the_taxonomy_does_not_know_is_refused():
    with pytest.raises(ValueError, match="unknown side"):
        tally([exact(5, side="ngo")])


def test_a_new_side_ranks_where_the_taxonomy_puts_it():
    claims = [exact(20, side="ngo"), exact(12, side="independent")]
    assert tally(claims, side_rank=SIDE_RANK | {"ngo": 4}).best == 20


def test_best_is_clamped_into_the_own_interval():
    row = tally([claim(low=10, high=12, point=30), exact(11, side="unknown")])
    assert row.best == 12


def test_a_claim_with_no_point_stands_for_its_low():
    row = tally([claim(low=31, high=None)])
    assert (row.low, row.best, row.high) == (31, 31, None)


def test_no_row_without_counted_claims_or_parts():
    assert tally() is None


# --- rules 4 and 5: parts and the whole ----------------------------------------------


def test_parts_never_add_to_the_whole():
    umbrella = claim(low=108, high=None, point=108)
    row = tally([umbrella], children=[Part(67, 67, 67), Part(41, 41, 41)])
    assert (row.low, row.best, row.high) == (108, 108, None)


def test_parts_that_exceed_the_whole_raise_its_low_and_best():
    row = tally([exact(50)], subgroups=[Part(40, 40, 40), Part(30, 30, 30)])
    assert (row.low, row.best, row.high) == (70, 70, 70)


def test_the_larger_of_the_two_sums_wins():
    row = tally(children=[Part(5, 6, 7)], subgroups=[Part(3, 9, 9), Part(1, 1, 1)])
    assert (row.low, row.best, row.high) == (5, 10, 10)


def test_without_own_claims_high_is_open_if_any_part_is_open():
    row = tally(children=[Part(5, 5, 5)], subgroups=[Part(1, 1, None)])
    assert row.high is None


def test_unattributed_when_whole_exceeds_parts():
    row = tally([exact(100)], children=[Part(30, 30, 30), Part(40, 40, 40)])
    assert row.unattributed == 30


def test_nothing_is_unattributed_where_there_can_be_no_parts():
    assert tally([exact(100)]).unattributed == 0


def test_parts_without_figures_leave_the_whole_unattributed():
    assert tally([exact(11)], children=[]).unattributed == 11
    assert tally([exact(10)], children=[], subgroups=[]).unattributed == 10


def test_the_larger_summed_part_is_what_is_attributed():
    row = tally([exact(100)], children=[Part(30, 30, 30)], subgroups=[])
    assert row.unattributed == 70


def test_a_row_without_own_claims_has_nothing_unattributed():
    assert tally(children=[Part(5, 5, 5)], subgroups=[]).unattributed == 0


def test_inconsistent_when_parts_exceed_whole_high():
    row = tally([exact(10)], children=[Part(8, 8, 8), Part(5, 5, 5)])
    assert row.inconsistent is True
    assert (row.low, row.best, row.high) == (13, 13, 13)


def test_an_open_whole_is_never_inconsistent():
    row = tally([claim(low=10, high=None)], children=[Part(80, 80, 80)])
    assert row.inconsistent is False


def test_counts_claims_and_distinct_sources():
    row = tally(
        [
            exact(5, claimant=1, sources=frozenset({1, 2})),
            exact(5, claimant=2, sources=frozenset({2, 3})),
        ]
    )
    assert (row.claims, row.sources) == (2, 3)


# --- rule 6: disputed ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "disputed"),
    [
        (10, 12, False),  # 2 apart: under the absolute threshold of 3
        (10, 13, True),  # 3 apart and 30 % of 10
        (100, 120, False),  # 20 % of 100
        (100, 126, True),  # 26 %
        (12, 15, False),  # 3 apart but exactly 25 % of 12
    ],
)
def test_points_are_disputed_past_both_thresholds(a, b, disputed):
    claims = [
        claim(low=0, high=None, point=a, side="official"),
        claim(low=0, high=None, point=b, side="perpetrator"),
    ]
    assert is_disputed(claims) is disputed


def test_non_overlapping_intervals_are_disputed():
    claims = [claim(low=10, high=10), claim(low=11, high=None, side="perpetrator")]
    assert is_disputed(claims) is True


def test_same_side_never_disputes_with_itself():
    claims = [exact(10, claimant=1), exact(500, claimant=2)]
    assert is_disputed(claims) is False


# --- rule 7: review ------------------------------------------------------------------


def test_review_sets_best_and_narrows_the_interval():
    row = tally([claim(low=5, high=50)], review=Review(best=20, low=15, high=30))
    assert (row.low, row.best, row.high) == (15, 20, 30)


def test_a_review_sets_best_inside_the_interval():
    row = tally([claim(low=5, high=50, point=40)], review=Review(best=12, low=8))
    assert (row.low, row.best, row.high) == (8, 12, 50)


def test_a_review_below_what_the_claims_prove_is_clamped_to_the_low():
    row = tally([claim(low=5, high=50)], review=Review(best=3))
    assert (row.low, row.best, row.high) == (5, 5, 50)


def test_a_review_above_the_computed_high_is_clamped_to_it():
    row = tally([claim(low=5, high=50)], review=Review(best=60, high=70))
    assert (row.low, row.best, row.high) == (5, 50, 50)


def test_review_override_propagates_into_the_parents_sums():
    incidents = {1: None, 2: 1, 3: 1}
    claims = [
        claim(low=2, high=20, point=10, id=1, incident=2),
        exact(5, id=2, incident=3),
    ]
    reviews = {(2, "civilians", "killed"): Review(best=4)}
    rows = reconcile_all(claims, incidents, TAXONOMY, reviews)
    parent = rows[(1, "civilians", "killed")]
    assert (parent.low, parent.best, parent.high) == (7, 9, 25)
    assert rows[(1, "all", "killed")].best == 9


# --- trees ---------------------------------------------------------------------------


def test_ancestors_run_from_self_to_root():
    assert ancestors("police", GROUP_PARENT) == ["police", "security-forces", "all"]


def test_ancestors_reject_cycles():
    with pytest.raises(ValueError, match="cycle"):
        ancestors(1, {1: 2, 2: 3, 3: 1})


def test_claims_reject_an_inverted_interval():
    with pytest.raises(ValueError, match="interval"):
        claim(low=10, high=5)


# --- properties over random trees and claims -----------------------------------------

OUTCOMES = ("killed", "injured")
GROUPS = tuple(GROUP_PARENT)
# Five times the profile's examples: these are fast (tests/conftest.py).
PROPERTY_SETTINGS = settings(max_examples=5 * settings.default.max_examples)


@st.composite
def incident_trees(draw) -> dict[int, int | None]:
    """Up to six incidents; each points at an earlier one, so there is no cycle."""
    size = draw(st.integers(1, 6))
    parents: dict[int, int | None] = {1: None}
    for node in range(2, size + 1):
        parents[node] = draw(st.none() | st.integers(1, node - 1))
    return parents


@st.composite
def claim_lists(draw, incidents, first_id=1, max_size=12) -> list[ClaimData]:
    size = draw(st.integers(0, max_size))
    return [draw(claims_with_id(incidents, first_id + i)) for i in range(size)]


@st.composite
def claims_with_id(draw, incidents, claim_id) -> ClaimData:
    low = draw(st.integers(0, 60))
    width = draw(st.none() | st.integers(0, 40))
    return ClaimData(
        id=claim_id,
        incident=draw(st.sampled_from(sorted(incidents))),
        group=draw(st.sampled_from(GROUPS)),
        outcome=draw(st.sampled_from(OUTCOMES)),
        side=draw(
            st.sampled_from(["independent", "official", "unknown", "perpetrator"])
        ),
        low=low,
        high=None if width is None else low + width,
        point=draw(st.none() | st.integers(0, 120)),
        claimant=draw(st.none() | st.integers(1, 3)),
        asserted_at=draw(
            st.none() | st.integers(0, 3).map(lambda d: T0 + timedelta(d))
        ),
        retracted=draw(st.booleans()),
        assessment=draw(
            st.sampled_from(["unassessed", "credible", "contested", "discounted"])
        ),
        supersedes=draw(st.none() | st.integers(1, claim_id - 1))
        if claim_id > 1
        else None,
        sources=frozenset(draw(st.sets(st.integers(1, 5), max_size=3))),
        party=draw(st.none() | st.integers(1, 2)),
    )


@st.composite
def reviews_for(draw, incidents) -> dict:
    keys = st.tuples(
        st.sampled_from(sorted(incidents)),
        st.sampled_from(GROUPS),
        st.sampled_from(OUTCOMES),
    )
    review = st.builds(
        Review,
        best=st.integers(0, 150),
        low=st.none() | st.integers(0, 150),
        high=st.none() | st.integers(0, 150),
    )
    return draw(st.dictionaries(keys, review, max_size=4))


@st.composite
def worlds(draw, with_reviews=True):
    incidents = draw(incident_trees())
    claims = draw(claim_lists(incidents))
    reviews = draw(reviews_for(incidents)) if with_reviews else {}
    return incidents, claims, reviews


def within(low, value, high) -> bool:
    return low <= value and (high is None or value <= high)


@PROPERTY_SETTINGS
@given(worlds())
def test_every_row_keeps_low_at_most_best_at_most_high(world):
    incidents, claims, reviews = world
    for row in reconcile_all(claims, incidents, TAXONOMY, reviews).values():
        assert within(row.low, row.best, row.high)


@PROPERTY_SETTINGS
@given(worlds(with_reviews=False))
def test_a_whole_is_never_below_the_sum_of_its_parts(world):
    incidents, claims, _ = world
    rows = reconcile_all(claims, incidents, TAXONOMY)
    child_incidents = children_by_parent(incidents)
    subgroups = children_by_parent(GROUP_PARENT)
    for (incident, group, outcome), row in rows.items():
        for part_keys in (
            [(c, group, outcome) for c in child_incidents.get(incident, [])],
            [(incident, g, outcome) for g in subgroups.get(group, [])],
        ):
            parts = [rows[k] for k in part_keys if k in rows]
            assert row.low >= sum(p.low for p in parts)
            assert row.best >= sum(p.best for p in parts)


@PROPERTY_SETTINGS
@given(st.data())
def test_a_new_claim_changes_only_its_own_key_and_the_tallies_above_it(data):
    incidents, claims, reviews = data.draw(worlds())
    new = data.draw(claims_with_id(incidents, len(claims) + 1))
    new = replace(new, supersedes=None)  # a correction elsewhere reaches further

    before = reconcile_all(claims, incidents, TAXONOMY, reviews)
    after = reconcile_all([*claims, new], incidents, TAXONOMY, reviews)

    reached = set(path_keys(*new.key, incidents, TAXONOMY))
    for key in before.keys() | after.keys():
        if key not in reached:
            assert before.get(key) == after.get(key)


@PROPERTY_SETTINGS
@given(st.data())
def test_the_result_does_not_depend_on_the_order_of_claims(data):
    incidents, claims, reviews = data.draw(worlds())
    shuffled = data.draw(st.permutations(claims))
    assert reconcile_all(shuffled, incidents, TAXONOMY, reviews) == reconcile_all(
        claims, incidents, TAXONOMY, reviews
    )


def recompute_paths(rows, claims, keys, incidents, reviews):
    """What the engine does on a write: recompute the rows on the paths of the
    keys it touched, reading every other part from the stored rows."""
    path = {row for key in keys for row in path_keys(*key, incidents, TAXONOMY)}
    computed = reconcile_rows(
        path, counted_by_key(claims), incidents, TAXONOMY, reviews, stored=rows
    )
    for key, row in computed.items():
        if row is None:
            rows.pop(key, None)
        else:
            rows[key] = row


@PROPERTY_SETTINGS
@given(st.data())
def test_recomputing_the_path_of_a_new_claim_equals_a_full_recompute(data):
    incidents, claims, reviews = data.draw(worlds())
    new = data.draw(claims_with_id(incidents, len(claims) + 1))
    everything = [*claims, new]

    rows = reconcile_all(claims, incidents, TAXONOMY, reviews)
    touched = [new.key]
    replaced = [c for c in claims if c.id == new.supersedes]
    if replaced:
        touched.append(replaced[0].key)  # a correction filed under another key
    recompute_paths(rows, everything, touched, incidents, reviews)

    assert rows == reconcile_all(everything, incidents, TAXONOMY, reviews)


@PROPERTY_SETTINGS
@given(st.data())
def test_retracting_a_correction_recomputed_on_its_paths_equals_a_full_recompute(
    data,
):
    incidents, claims, reviews = data.draw(worlds())
    corrections = [c for c in claims if c.supersedes is not None and not c.retracted]
    if not corrections:
        return
    correction = data.draw(st.sampled_from(corrections))
    retracted = [replace(c, retracted=True) if c is correction else c for c in claims]

    rows = reconcile_all(claims, incidents, TAXONOMY, reviews)
    replaced = [c.key for c in claims if c.id == correction.supersedes]
    recompute_paths(rows, retracted, [correction.key, *replaced], incidents, reviews)

    assert rows == reconcile_all(retracted, incidents, TAXONOMY, reviews)


@PROPERTY_SETTINGS
@given(st.data())
def test_claims_on_incidents_left_out_change_no_figure_of_the_others(data):
    """Rule 9 at its root: the published figures are those of the published
    incidents alone, so whatever a draft below them says reaches none of them."""
    incidents, claims, reviews = data.draw(worlds())
    drafts = data.draw(st.sets(st.sampled_from(sorted(incidents))))
    published = {
        node: parent
        for node, parent in incidents.items()
        if not drafts.intersection(ancestors(node, incidents))
    }
    shown = [c for c in claims if c.incident in published]

    assert reconcile_all(claims, published, TAXONOMY, reviews) == reconcile_all(
        shown, published, TAXONOMY, reviews
    )
