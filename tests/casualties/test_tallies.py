"""Stored tallies follow every write through the ORM, and equal a full recompute.

Each test makes one kind of write and then checks two things: the stored rows
show what SPEC section 4 says, and `recompute_all()` finds nothing to change
(the incremental maintenance and the full rebuild agree).
"""

import datetime

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from casualties.models import Claim, ClaimantSide, Outcome, Tally, VictimGroup
from casualties.tallies import refresh_path
from incidents.models import Incident
from tests.factories import (
    ActorFactory,
    ClaimFactory,
    IncidentFactory,
    UserFactory,
    tally_differences,
)

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 1, 31, 12, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing takes about a second a password; these tests are not about it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _claim(incident, low, high="same", *, group="civilians", side="official", **kw):
    """A killed claim of `low`..`high` (a single figure unless told)."""
    high = low if high == "same" else high
    kw.setdefault("outcome", Outcome.objects.get(slug="killed"))
    return ClaimFactory(
        incident=incident,
        group=VictimGroup.objects.get(slug=group),
        side=ClaimantSide.objects.get(slug=side),
        low=low,
        high=high,
        point=kw.pop("point", low if high is not None else None),
        **kw,
    )


def _stored(incident, group="civilians", outcome="killed"):
    """(low, best, high) of the stored tally, or None when there is no row."""
    tally = Tally.objects.filter(incident=incident, group=group, outcome=outcome)
    return tally.values_list("low", "best", "high").first()


def _status(incident, group="civilians", outcome="killed") -> str:
    return Tally.objects.get(incident=incident, group=group, outcome=outcome).status


@pytest.fixture
def root():
    return IncidentFactory(title="Wave of attacks")


@pytest.fixture
def child(root):
    return IncidentFactory(title="One of the attacks", parent=root)


def test_a_new_claim_updates_its_tally_and_every_ancestor(root, child):
    _claim(child, 5, group="police")
    for incident in (child, root):
        for group in ("police", "security-forces", "all"):
            assert _stored(incident, group) == (5, 5, 5)
    assert _stored(root, "civilians") is None
    assert tally_differences() == []


def test_changing_a_claims_figures_moves_its_tallies(root, child):
    claim = _claim(child, 5)
    claim.low, claim.point, claim.high = 7, 8, 9
    claim.save()
    assert _stored(child) == (7, 8, 9)
    assert _stored(root, "all") == (7, 8, 9)
    assert tally_differences() == []


def test_moving_a_claim_to_another_group_clears_the_old_rows(root, child):
    claim = _claim(child, 5, group="police")
    claim.group = VictimGroup.objects.get(slug="civilians")
    claim.save()
    assert _stored(root, "police") is None
    assert _stored(root, "security-forces") is None
    assert _stored(root, "civilians") == (5, 5, 5)
    assert tally_differences() == []


def test_a_retracted_claim_no_longer_counts(root, child):
    _claim(root, 12)
    claim = _claim(child, 5)
    claim.retract(reason="Duplicate of the ministry's figure")
    assert _stored(child) is None
    assert _stored(root) == (12, 12, 12)
    assert tally_differences() == []


def test_retracting_the_only_claim_removes_the_tallies_above_it(root, child):
    claim = _claim(child, 5)
    claim.retract(reason="Wrong incident")
    assert not Tally.objects.exists()
    assert tally_differences() == []


def test_a_discounted_claim_is_set_aside(child):
    _claim(child, 10, claimant=ActorFactory())
    boast = _claim(child, 30, side="perpetrator", claimant=ActorFactory())
    assert _status(child) == Tally.Status.NEEDS_REVIEW
    boast.assessment = Claim.Assessment.DISCOUNTED
    boast.save()
    assert _stored(child) == (10, 10, 10)
    assert _status(child) == Tally.Status.AUTO
    assert tally_differences() == []


def test_a_superseding_claim_replaces_the_earlier_one(child):
    ministry = ActorFactory()
    first = _claim(child, 10, claimant=ministry, asserted_at=T0)
    # Asserted earlier but entered later: only supersession makes it count.
    _claim(child, 14, claimant=ministry, supersedes=first, asserted_at=T0 - _hour())
    assert _stored(child) == (14, 14, 14)
    assert tally_differences() == []


def test_a_claim_may_supersede_one_filed_at_another_incident(root, child):
    ministry = ActorFactory()
    first = _claim(root, 20, claimant=ministry)
    _claim(child, 15, claimant=ministry, supersedes=first)
    assert _stored(child) == (15, 15, 15)
    assert _stored(root) == (15, 15, 15)
    assert tally_differences() == []


def test_retracting_a_correction_restores_the_claim_it_replaced(root, child):
    ministry = ActorFactory()
    first = _claim(root, 20, claimant=ministry)
    correction = _claim(child, 15, claimant=ministry, supersedes=first)
    correction.retract(reason="Misread the statement")
    assert _stored(child) is None
    assert _stored(root) == (20, 20, 20)
    assert tally_differences() == []


def test_moving_an_incident_moves_its_figures_between_trees(root, child):
    other_root = IncidentFactory(title="Another wave")
    _claim(other_root, 2)
    _claim(child, 5)
    child.parent = other_root
    child.save()
    assert _stored(root) is None
    assert _stored(other_root) == (5, 5, 5)
    assert _stored(other_root, "all") == (5, 5, 5)
    assert tally_differences() == []


def test_retracting_an_incident_withdraws_its_figures(root, child):
    _claim(child, 5)
    child.status = Incident.Status.RETRACTED
    child.retraction_reason = "Turned out to be the same attack as another record"
    child.save()
    assert _stored(child) is None
    assert _stored(root) is None
    assert tally_differences() == []

    child.status = Incident.Status.PUBLISHED
    child.save()
    assert _stored(root) == (5, 5, 5)
    assert tally_differences() == []


def _review(tally: Tally, best: int, *, editor) -> None:
    tally.reviewed_best = best
    tally.rationale = "The hospital list names twenty dead."
    tally.reviewed_by = editor
    tally.reviewed_at = timezone.now()
    tally.status = Tally.Status.REVIEWED
    tally.save()
    refresh_path(tally.incident_id, tally.group_id, tally.outcome_id)


@pytest.fixture
def reviewed(root, child):
    """A disputed child tally (10 vs 30) reviewed to 20, beside a sibling's 5."""
    official = _claim(child, 10, claimant=ActorFactory())
    _claim(child, 30, side="perpetrator", claimant=ActorFactory())
    _claim(IncidentFactory(parent=root), 5)
    tally = Tally.objects.get(incident=child, group="civilians", outcome="killed")
    _review(tally, 20, editor=UserFactory())
    return official


def test_an_editors_best_overrides_the_computed_one(reviewed, child):
    assert _stored(child) == (10, 20, 30)
    assert _status(child) == Tally.Status.REVIEWED
    assert tally_differences() == []


def test_an_editors_best_counts_in_the_sums_above_it(reviewed, root):
    assert _stored(root) == (15, 25, 35)
    assert _stored(root, "all") == (15, 25, 35)
    assert tally_differences() == []


def test_a_changed_claim_under_a_reviewed_tally_makes_it_stale(reviewed, child):
    reviewed.low = reviewed.high = reviewed.point = 12
    reviewed.save()
    assert _status(child) == Tally.Status.STALE
    assert _stored(child) == (12, 20, 30)  # the review still holds until redone
    assert tally_differences() == []


def test_a_new_claim_under_a_reviewed_tally_makes_it_stale(reviewed, child):
    _claim(IncidentFactory(parent=child), 3)
    assert _status(child) == Tally.Status.STALE
    assert tally_differences() == []


def _hour(hours: int = 1) -> datetime.timedelta:
    return datetime.timedelta(hours=hours)


# --- any sequence of writes ----------------------------------------------------------

INCIDENTS = ("root", "a", "b", "a1")
GROUPS = ("all", "civilians", "security-forces", "police", "militants")
SIDES = ("official", "perpetrator", "independent", "unknown")
figures = st.tuples(st.integers(0, 40), st.none() | st.integers(0, 20))

add = st.tuples(
    st.just("add"),
    st.sampled_from(INCIDENTS),
    st.sampled_from(GROUPS),
    st.sampled_from(("killed", "injured")),
    st.sampled_from(SIDES),
    st.sampled_from((0, 1, None)),  # claimant
    figures,
    st.integers(0, 3),  # hours after T0
)
change = st.tuples(st.just("change"), st.integers(0, 30), figures)
retract = st.tuples(st.just("retract"), st.integers(0, 30))
discount = st.tuples(st.just("discount"), st.integers(0, 30))
supersede = st.tuples(
    st.just("supersede"),
    st.integers(0, 30),
    st.sampled_from(INCIDENTS),
    figures,
    st.integers(0, 3),
)
review = st.tuples(st.just("review"), st.integers(0, 30), st.integers(0, 60))
move = st.tuples(st.just("move"), st.sampled_from(("a", "b", None)))
writes = st.lists(
    st.one_of(add, change, retract, discount, supersede, review, move),
    min_size=1,
    max_size=12,
)


class TestAnySequenceOfWrites(HypothesisTestCase):
    """Random writes on a small tree leave the stored tallies equal to a rebuild."""

    def _tree(self):
        root = IncidentFactory(title="root")
        a = IncidentFactory(title="a", parent=root)
        b = IncidentFactory(title="b", parent=root)
        a1 = IncidentFactory(title="a1", parent=a)
        self.incidents = {"root": root, "a": a, "b": b, "a1": a1}
        self.actors = [ActorFactory(), ActorFactory()]
        self.claims: list[Claim] = []
        self.editor = UserFactory()

    @staticmethod
    def _figures(low, width):
        high = None if width is None else low + width
        return {"low": low, "high": high, "point": None if width == 0 else low}

    def _add(self, incident, group, outcome, side, claimant, fig, hours, **kw):
        low, width = fig
        claim = ClaimFactory(
            incident=self.incidents[incident],
            group=VictimGroup.objects.get(slug=group),
            outcome=Outcome.objects.get(slug=outcome),
            side=ClaimantSide.objects.get(slug=side),
            claimant=claimant,
            asserted_at=T0 + _hour(hours),
            **self._figures(low, width),
            **kw,
        )
        self.claims.append(claim)

    def _pick(self, index) -> Claim | None:
        if not self.claims:
            return None
        claim = self.claims[index % len(self.claims)]
        claim.refresh_from_db()
        return claim

    def _apply(self, write):
        kind, *args = write
        if kind == "add":
            incident, group, outcome, side, claimant, fig, hours = args
            actor = None if claimant is None else self.actors[claimant]
            self._add(incident, group, outcome, side, actor, fig, hours)
        elif kind == "move":
            a1 = self.incidents["a1"]
            a1.refresh_from_db()
            a1.parent = None if args[0] is None else self.incidents[args[0]]
            a1.save()
        elif kind == "review":
            tallies = list(Tally.objects.order_by("pk"))
            if tallies:
                tally = tallies[args[0] % len(tallies)]
                _review(tally, args[1], editor=self.editor)
        elif (claim := self._pick(args[0])) is None:
            return
        elif kind == "change":
            for field, value in self._figures(*args[1]).items():
                setattr(claim, field, value)
            claim.save()
        elif kind == "retract" and not claim.is_retracted:
            claim.retract(reason="Hypothesis says so")
        elif kind == "discount":
            claim.assessment = Claim.Assessment.DISCOUNTED
            claim.save()
        elif kind == "supersede":
            incident, fig, hours = args[1:]
            self._add(
                incident,
                claim.group_id,
                claim.outcome_id,
                claim.side_id,
                claim.claimant,
                fig,
                hours,
                supersedes=claim,
            )

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(writes)
    def test_the_stored_tallies_equal_a_full_recompute(self, sequence):
        self._tree()
        for step, write in enumerate(sequence):
            self._apply(write)
            assert tally_differences() == [], f"after write {step}: {write}"


def test_moving_an_incident_under_a_reviewed_tally_makes_it_stale(editor):
    from django.utils import timezone

    from casualties.models import Tally
    from tests.factories import ClaimFactory, IncidentFactory

    root = IncidentFactory()
    ClaimFactory(incident=root, low=20, high=80, point=20)
    tally = Tally.objects.get(incident=root, group="civilians", outcome="killed")
    tally.reviewed_best = 20
    tally.rationale = "Only the official figure is sourced."
    tally.reviewed_by = editor
    tally.reviewed_at = timezone.now()
    tally.status = Tally.Status.REVIEWED
    tally.save()
    child = IncidentFactory()
    ClaimFactory(incident=child, low=50, high=50, point=50)

    child.parent = root
    child.save()

    tally.refresh_from_db()
    assert tally.status == Tally.Status.STALE
    assert tally.low == 50
