"""The editor's review of a tally (SPEC rule 7), as every entry point runs it."""

import pytest
from django.core.exceptions import ValidationError

from casualties.models import Claim, ClaimantSide, Tally
from casualties.reference_case import BLA, load_reference_case
from casualties.services import review_tally, update_claim
from incidents.base import Conflict
from tests.factories import ClaimFactory, IncidentFactory, tally_differences

pytestmark = pytest.mark.django_db

RATIONALE = "Hospital records name twelve members of the security forces."


@pytest.fixture
def root():
    return load_reference_case()


def _tally(incident, group, outcome="killed") -> Tally:
    return Tally.objects.get(incident=incident, group=group, outcome=outcome)


def _figures(tally: Tally) -> tuple[int, int, int | None]:
    tally.refresh_from_db()
    return tally.low, tally.best, tally.high


def _review(tally: Tally, user, **kwargs) -> Tally:
    kwargs.setdefault("best", 12)
    kwargs.setdefault("low", None)
    kwargs.setdefault("high", None)
    kwargs.setdefault("rationale", RATIONALE)
    kwargs.setdefault("version", tally.version)
    return review_tally(tally_id=tally.pk, user=user, **kwargs)


def _bla_claim(root) -> Claim:
    return Claim.objects.get(incident=root, group="security-forces", claimant__name=BLA)


def test_a_review_sets_the_best_and_stamps_the_reviewer(root, editor):
    tally = _review(_tally(root, "security-forces"), editor)

    assert (tally.low, tally.best, tally.high) == (10, 12, None)
    assert tally.status == Tally.Status.REVIEWED
    assert tally.review.best == 12
    assert tally.review.reviewed_by == editor
    assert tally.review.reviewed_at is not None
    assert tally.review.rationale == RATIONALE


def test_a_reviewed_best_counts_in_the_sums_above_it(root, editor):
    _review(_tally(root, "security-forces"), editor)

    # civilians 11 + security forces 12 + militants 108
    assert _figures(_tally(root, "all")) == (129, 131, None)
    assert tally_differences() == []


def test_a_superseding_claim_makes_the_reviewed_tally_stale(root, editor):
    tally = _review(_tally(root, "security-forces"), editor)
    earlier = _bla_claim(root)

    ClaimFactory(
        incident=root,
        claimant=earlier.claimant,
        side=ClaimantSide.objects.get(slug="perpetrator"),
        group=earlier.group,
        low=40,
        high=None,
        point=40,
        supersedes=earlier,
    )

    tally.refresh_from_db()
    assert tally.status == Tally.Status.STALE
    assert tally.best == 12  # the review holds until an editor redoes it
    assert tally_differences() == []


def test_reviewing_a_stale_tally_makes_it_reviewed_again(root, editor):
    tally = _review(_tally(root, "security-forces"), editor)
    update_claim(claim=_bla_claim(root), user=editor, low=20)
    tally.refresh_from_db()
    assert tally.status == Tally.Status.STALE

    tally = _review(tally, editor, best=15, rationale="Rechecked.")

    assert tally.status == Tally.Status.REVIEWED
    assert (tally.low, tally.best, tally.high) == (10, 15, None)
    assert tally.review.rationale == "Rechecked."


def test_a_new_review_is_judged_against_the_claims_not_the_old_review(root, editor):
    tally = _review(_tally(root, "security-forces"), editor, low=12, high=20)
    assert (tally.low, tally.best, tally.high) == (12, 12, 20)

    tally = _review(tally, editor, best=30, low=10)

    assert (tally.low, tally.best, tally.high) == (10, 30, None)


def test_a_stale_version_is_a_conflict_and_changes_nothing(root, editor):
    tally = _tally(root, "security-forces")
    before = _figures(tally), tally.version

    with pytest.raises(Conflict) as conflict:
        _review(tally, editor, version=tally.version - 1 or 99)

    assert conflict.value.current_version == before[1]
    tally.refresh_from_db()
    assert (_figures(tally), tally.version) == before
    assert tally.status == Tally.Status.NEEDS_REVIEW
    assert tally.review is None


@pytest.mark.parametrize("rationale", ["", "   "])
def test_it_requires_a_rationale(root, editor, rationale):
    tally = _tally(root, "security-forces")

    with pytest.raises(ValidationError) as error:
        _review(tally, editor, rationale=rationale)

    assert set(error.value.message_dict) == {"rationale"}
    assert _tally(root, "security-forces").review is None


@pytest.mark.parametrize(
    ("figures", "field"),
    [
        ({"best": 9}, "best"),  # below the lowest claim (10)
        ({"best": 12, "low": 13}, "low"),
        ({"best": 12, "high": 11}, "high"),
        ({"best": 12, "low": 9}, "low"),  # would widen the interval
        ({"best": -1}, "best"),
    ],
)
def test_it_refuses_figures_outside_the_supported_interval(
    root, editor, figures, field
):
    tally = _tally(root, "security-forces")
    before = _figures(tally), tally.version

    with pytest.raises(ValidationError) as error:
        _review(tally, editor, **figures)

    assert field in error.value.message_dict
    assert (_figures(tally), tally.version) == before


def test_it_refuses_a_high_above_a_closed_computed_high(root, editor):
    tally = _tally(root, "civilians")  # 11 / 11 / 11

    with pytest.raises(ValidationError) as error:
        _review(tally, editor, best=11, high=12)

    assert set(error.value.message_dict) == {"high"}


def test_a_review_may_narrow_an_open_interval(root, editor):
    tally = _review(_tally(root, "security-forces"), editor, low=11, high=25)

    assert (tally.low, tally.best, tally.high) == (11, 12, 25)
    assert _figures(_tally(root, "all")) == (130, 131, None)
    assert tally_differences() == []


def test_a_review_of_a_child_moves_its_parent(editor):
    parent = IncidentFactory()
    child = IncidentFactory(parent=parent)
    ClaimFactory(incident=child, low=5, high=20, point=5)
    tally = _tally(child, "civilians")

    _review(tally, editor, best=8)

    assert _figures(_tally(parent, "civilians")) == (5, 8, 20)
    assert _figures(_tally(parent, "all")) == (5, 8, 20)
