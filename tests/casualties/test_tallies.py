"""Stored tallies follow every write through the services, and equal a full recompute.

Each test makes one kind of write and then checks two things: the stored rows
show what SPEC section 4 says, and a full recompute finds nothing to change
(the incremental maintenance and the full rebuild agree).
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from casualties import services
from casualties.models import (
    PUBLISHED,
    WORKING,
    Claim,
    ClaimantSide,
    Tally,
    TallyChange,
    VictimGroup,
)
from incidents import services as incident_services
from incidents.base import DirectWriteError, service_write
from incidents.models import Incident
from tests.factories import (
    ActorFactory,
    ClaimFactory,
    IncidentFactory,
    ReportFactory,
    tally_differences,
)

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 1, 31, 12, tzinfo=datetime.UTC)
DRAFT = Incident.Status.DRAFT


def _claim(incident, low, high="same", *, group="civilians", side="official", **kw):
    """A killed claim of `low`..`high` (a single figure unless told)."""
    high = low if high == "same" else high
    return ClaimFactory(
        incident=incident,
        group=VictimGroup.objects.get(slug=group),
        side=ClaimantSide.objects.get(slug=side),
        low=low,
        high=high,
        point=kw.pop("point", low if high is not None else None),
        **kw,
    )


def _tally(incident, group="civilians", outcome="killed", which=WORKING):
    return (
        Tally.objects.figures(which)
        .filter(incident=incident, group=group, outcome=outcome)
        .first()
    )


def _stored(incident, group="civilians", outcome="killed", which=WORKING):
    """(low, best, high) of the stored tally, or None when there is no row."""
    tally = _tally(incident, group, outcome, which)
    return None if tally is None else (tally.low, tally.best, tally.high)


def _status(incident, group="civilians", outcome="killed", which=WORKING) -> str:
    return _tally(incident, group, outcome, which).status


def _update(claim, **changes):
    return services.update_claim(claim=claim, user=None, **changes)


def _review(incident, best, *, editor, group="civilians"):
    tally = _tally(incident, group)
    return services.review_tally(
        tally_id=tally.pk,
        user=editor,
        best=best,
        low=None,
        high=None,
        rationale="The hospital list names them.",
        version=tally.version,
    )


@pytest.fixture
def root():
    return IncidentFactory(title="Wave of attacks")


@pytest.fixture
def child(root):
    return IncidentFactory(title="One of the attacks", parent=root)


# --- one write at a time --------------------------------------------------------------


def test_a_new_claim_updates_its_tally_and_every_ancestor(root, child):
    _claim(child, 5, group="police")
    for incident in (child, root):
        for group in ("police", "security-forces", "all"):
            assert _stored(incident, group) == (5, 5, 5)
    assert _stored(root, "civilians") is None
    assert tally_differences() == []


def test_changing_a_claims_figures_moves_its_tallies(root, child):
    claim = _claim(child, 5)
    _update(claim, low=7, point=8, high=9)
    assert _stored(child) == (7, 8, 9)
    assert _stored(root, "all") == (7, 8, 9)
    assert tally_differences() == []


def test_moving_a_claim_to_another_group_clears_the_old_rows(root, child):
    claim = _claim(child, 5, group="police")
    _update(claim, group_id="civilians")
    assert _stored(root, "police") is None
    assert _stored(root, "security-forces") is None
    assert _stored(root, "civilians") == (5, 5, 5)
    assert tally_differences() == []


def test_moving_a_claim_to_another_tree_moves_its_figures(root, child):
    other = IncidentFactory(title="Another wave")
    claim = _claim(child, 5)
    _update(claim, incident=other)
    assert _stored(root) is None
    assert _stored(other) == (5, 5, 5)
    assert tally_differences() == []


def test_a_retracted_claim_no_longer_counts(root, child):
    _claim(root, 12)
    claim = _claim(child, 5)
    services.retract_claim(claim=claim, user=None, reason="A duplicate")
    assert _stored(child) is None
    assert _stored(root) == (12, 12, 12)
    assert tally_differences() == []


def test_retracting_the_only_claim_removes_the_tallies_above_it(root, child):
    claim = _claim(child, 5)
    services.retract_claim(claim=claim, user=None, reason="Wrong incident")
    assert not Tally.objects.exists()
    assert tally_differences() == []


def test_a_discounted_claim_is_set_aside(child):
    _claim(child, 10, claimant=ActorFactory())
    boast = _claim(child, 30, side="perpetrator", claimant=ActorFactory())
    assert _status(child) == Tally.Status.NEEDS_REVIEW
    services.assess_claim(claim=boast, user=None, assessment="discounted", note="")
    assert _stored(child) == (10, 10, 10)
    assert _status(child) == Tally.Status.AUTO
    assert tally_differences() == []


def test_a_superseding_claim_replaces_the_earlier_one(child):
    ministry = ActorFactory()
    first = _claim(child, 10, claimant=ministry, asserted_at=T0)
    # Asserted earlier but entered later: only supersession makes it count.
    _claim(
        child,
        14,
        claimant=ministry,
        supersedes=first,
        asserted_at=T0 - datetime.timedelta(hours=1),
    )
    assert _stored(child) == (14, 14, 14)
    assert tally_differences() == []


def test_a_claim_may_supersede_one_filed_at_another_incident_of_its_tree(root, child):
    ministry = ActorFactory()
    first = _claim(root, 20, claimant=ministry)
    _claim(child, 15, claimant=ministry, supersedes=first)
    assert _stored(child) == (15, 15, 15)
    assert _stored(root) == (15, 15, 15)
    assert tally_differences() == []


def test_a_claim_cannot_supersede_one_about_another_tree(root):
    ministry = ActorFactory()
    first = _claim(root, 20, claimant=ministry)
    with pytest.raises(ValidationError, match="same incident or another part"):
        _claim(IncidentFactory(), 15, claimant=ministry, supersedes=first)
    assert Claim.objects.count() == 1
    assert _stored(root) == (20, 20, 20)


def test_retracting_a_correction_restores_the_claim_it_replaced(root, child):
    ministry = ActorFactory()
    first = _claim(root, 20, claimant=ministry)
    correction = _claim(child, 15, claimant=ministry, supersedes=first)
    services.retract_claim(claim=correction, user=None, reason="Misread")
    assert _stored(child) is None
    assert _stored(root) == (20, 20, 20)
    assert tally_differences() == []


def test_a_discounted_correction_still_replaces_the_claim(root, child):
    ministry = ActorFactory()
    first = _claim(root, 20, claimant=ministry)
    correction = _claim(child, 15, claimant=ministry, supersedes=first)
    services.assess_claim(claim=correction, user=None, assessment="discounted", note="")
    assert _stored(root) is None
    assert tally_differences() == []


def test_moving_an_incident_moves_its_figures_between_trees(root, child):
    other_root = IncidentFactory(title="Another wave")
    _claim(other_root, 2)
    _claim(child, 5)
    incident_services.update_incident(incident=child, user=None, parent=other_root)
    assert _stored(root) is None
    assert _stored(other_root) == (5, 5, 5)
    assert _stored(other_root, "all") == (5, 5, 5)
    assert tally_differences() == []


def test_retracting_an_incident_withdraws_its_figures(root, child):
    _claim(child, 5)
    incident_services.retract_incident(incident=child, user=None, reason="Duplicate")
    assert _stored(child) is None
    assert _stored(root) is None
    assert tally_differences() == []


def test_retracting_an_umbrella_withdraws_everything_below_it(root, child):
    _claim(IncidentFactory(parent=child), 5)
    incident_services.retract_incident(incident=child, user=None, reason="Duplicate")
    assert not Tally.objects.exists()
    assert tally_differences() == []


def test_a_new_part_makes_its_parents_figure_unattributed(root):
    _claim(root, 11)
    assert _tally(root).unattributed == 0
    IncidentFactory(parent=root)
    assert _tally(root).unattributed == 11
    assert tally_differences() == []


# --- rule 9: published and working figures --------------------------------------------


def test_a_draft_childs_claim_stays_out_of_the_published_figures(root):
    _claim(root, 11)
    draft = IncidentFactory(parent=root, status=DRAFT)
    _claim(draft, 500)
    assert _stored(root, which=PUBLISHED) == (11, 11, 11)
    assert _stored(root, which=WORKING) == (500, 500, 500)
    assert _stored(draft, which=PUBLISHED) is None
    assert tally_differences() == []


def test_a_draft_at_any_depth_stays_out_of_the_published_figures(root, child):
    draft = IncidentFactory(parent=child, status=DRAFT)
    published_below_draft = IncidentFactory(parent=draft)
    _claim(published_below_draft, 40)
    assert _stored(root, which=PUBLISHED) is None
    assert _stored(child, which=PUBLISHED) is None
    assert _stored(root, which=WORKING) == (40, 40, 40)
    assert tally_differences() == []


def test_publishing_a_draft_moves_its_figures_up_the_published_tree(root, child):
    draft = IncidentFactory(parent=child, status=DRAFT)
    _claim(draft, 7)
    incident_services.publish_incident(incident=draft, user=None)
    for incident in (draft, child, root):
        assert _stored(incident, which=PUBLISHED) == (7, 7, 7)
    assert _tally(root).scope == Tally.Scope.BOTH  # the figures agree again
    assert tally_differences() == []


def test_unpublishing_is_refused_and_the_published_figures_stay(root, child):
    _claim(child, 7)
    with pytest.raises(ValidationError):
        incident_services.update_incident(incident=child, user=None, status=DRAFT)
    assert _stored(root, which=PUBLISHED) == (7, 7, 7)
    assert _stored(root, which=WORKING) == (7, 7, 7)
    assert tally_differences() == []


def test_a_draft_part_is_no_part_of_the_published_whole(root):
    _claim(root, 11)
    IncidentFactory(parent=root, status=DRAFT)
    assert _tally(root, which=WORKING).unattributed == 11
    assert _tally(root, which=PUBLISHED).unattributed == 0
    assert tally_differences() == []


def test_a_draft_correction_does_not_replace_a_published_claim(root):
    ministry = ActorFactory()
    first = _claim(root, 20, claimant=ministry)
    draft = IncidentFactory(parent=root, status=DRAFT)
    _claim(draft, 15, claimant=ministry, supersedes=first)
    assert _stored(root, which=PUBLISHED) == (20, 20, 20)
    assert _stored(root, which=WORKING) == (15, 15, 15)
    assert tally_differences() == []


def test_an_editors_review_holds_for_both_figures(root, editor):
    _claim(root, 10, 30, point=10)
    draft = IncidentFactory(parent=root, status=DRAFT)
    _claim(draft, 12)
    _review(root, 20, editor=editor)
    assert _stored(root, which=WORKING)[1] == 20
    assert _stored(root, which=PUBLISHED)[1] == 20
    assert _status(root, which=PUBLISHED) == Tally.Status.REVIEWED
    assert tally_differences() == []


def test_a_draft_claim_makes_a_review_stale_only_in_the_working_figures(root, editor):
    _claim(root, 10, 30, point=10)
    _review(root, 20, editor=editor)
    _claim(IncidentFactory(parent=root, status=DRAFT), 3)
    assert _status(root, which=WORKING) == Tally.Status.STALE
    assert _status(root, which=PUBLISHED) == Tally.Status.REVIEWED
    assert tally_differences() == []


# --- reviews --------------------------------------------------------------------------


@pytest.fixture
def reviewed(root, child, editor):
    """A disputed child tally (10 vs 30) reviewed to 20, beside a sibling's 5."""
    official = _claim(child, 10, claimant=ActorFactory())
    _claim(child, 30, side="perpetrator", claimant=ActorFactory())
    _claim(IncidentFactory(parent=root), 5)
    _review(child, 20, editor=editor)
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
    _update(reviewed, low=12, high=12, point=12)
    assert _status(child) == Tally.Status.STALE
    assert _stored(child) == (12, 20, 30)  # the review still holds until redone
    assert tally_differences() == []


def test_a_new_claim_under_a_reviewed_tally_makes_it_stale(reviewed, child):
    _claim(IncidentFactory(parent=child), 3)
    assert _status(child) == Tally.Status.STALE
    assert tally_differences() == []


def test_moving_an_incident_under_a_reviewed_tally_makes_it_stale(editor):
    root = IncidentFactory()
    _claim(root, 20, 80, point=20)
    _review(root, 20, editor=editor)
    other = IncidentFactory()
    _claim(other, 50)
    incident_services.update_incident(incident=other, user=None, parent=root)
    assert _status(root) == Tally.Status.STALE
    assert _stored(root)[0] == 50
    assert tally_differences() == []


def test_a_review_outlives_its_claims_being_discounted_and_credited(child, editor):
    low = _claim(child, 10, claimant=ActorFactory())
    high = _claim(child, 30, side="perpetrator", claimant=ActorFactory())
    review = _review(child, 20, editor=editor).review
    for claim in (low, high):
        services.assess_claim(
            claim=claim, user=editor, assessment="discounted", note=""
        )
    assert _tally(child) is None
    for claim in (low, high):
        services.assess_claim(claim=claim, user=editor, assessment="credible", note="")
    tally = _tally(child)
    assert tally.review == review
    assert tally.best == 20
    assert tally.status == Tally.Status.STALE  # back in the queue, not forgotten
    assert tally_differences() == []


def test_reviewing_again_makes_a_stale_tally_reviewed(reviewed, child, editor):
    _update(reviewed, low=12, high=12, point=12)
    _review(child, 25, editor=editor)
    assert _status(child) == Tally.Status.REVIEWED
    assert _stored(child)[1] == 25
    assert tally_differences() == []


def test_withdrawing_a_review_returns_the_tally_to_the_rules(reviewed, child, editor):
    services.clear_review(tally_id=_tally(child).pk, user=editor)
    assert _stored(child) == (10, 10, 30)
    assert _status(child) == Tally.Status.NEEDS_REVIEW
    assert tally_differences() == []


# --- history --------------------------------------------------------------------------


def test_every_tally_change_names_the_claim_that_caused_it(root, child, analyst):
    claim = ClaimFactory(incident=child, low=4, high=4, point=4, created_by=analyst)
    changes = TallyChange.objects.filter(cause_id=claim.pk)
    assert changes.count() == Tally.objects.count() == 4  # child, root x 2 groups
    assert set(changes.values_list("cause", "kind", "user")) == {
        (TallyChange.Cause.CLAIM, TallyChange.Kind.CREATED, analyst.pk)
    }


def test_a_review_and_an_incident_write_are_named_as_causes(root, child, editor):
    _claim(child, 10, 30, point=10)
    review = _review(child, 20, editor=editor).review
    assert TallyChange.objects.filter(cause="review", cause_id=review.pk).exists()
    incident_services.retract_incident(incident=child, user=editor, reason="Dup")
    removed = TallyChange.objects.filter(cause="incident", cause_id=child.pk)
    assert set(removed.values_list("kind", flat=True)) == {"removed"}


def test_a_tally_can_be_shown_as_it_stood_on_a_past_date(child):
    claim = _claim(child, 5)
    before = TallyChange.objects.latest("at").at
    _update(claim, low=9, high=9, point=9)
    then = TallyChange.objects.as_of(before, incident=child)
    now = TallyChange.objects.as_of(TallyChange.objects.latest("at").at, incident=child)
    assert [(c.group_id, c.best) for c in then] == [("all", 5), ("civilians", 5)]
    assert [(c.group_id, c.best) for c in now] == [("all", 9), ("civilians", 9)]


# --- the write path is the only path --------------------------------------------------


def test_saving_a_claim_directly_is_refused(child):
    claim = _claim(child, 5)
    claim.low = claim.high = claim.point = 50
    with pytest.raises(DirectWriteError, match="casualties.services"):
        claim.save()
    assert _stored(child) == (5, 5, 5)


def test_a_queryset_update_of_claims_is_refused(child):
    _claim(child, 5)
    with pytest.raises(DirectWriteError):
        Claim.objects.filter(incident=child).update(low=50, high=50, point=50)
    assert Claim.objects.get().low == 5
    assert tally_differences() == []


def test_linking_reports_around_the_service_is_refused(child):
    claim = _claim(child, 5)
    report = ReportFactory()
    with pytest.raises(DirectWriteError), transaction.atomic():
        claim.reports.add(report)
    with pytest.raises(DirectWriteError), transaction.atomic():
        report.claims.set([claim])
    assert not claim.reports.exists()


def test_linking_reports_through_the_service_counts_their_sources(child):
    claim = _claim(child, 5)
    _update(claim, reports=[ReportFactory(), ReportFactory()])
    assert _tally(child).sources == 2
    assert tally_differences() == []


def test_tallies_cannot_be_written_directly(child):
    _claim(child, 5)
    tally = _tally(child)
    tally.best = 99
    with pytest.raises(DirectWriteError, match="casualties.engine"):
        tally.save()
    with pytest.raises(DirectWriteError):
        Tally.objects.update(best=99)


def _statements(create) -> int:
    with CaptureQueriesContext(connection) as queries:
        create()
    return len(queries)


def test_a_claim_write_costs_the_same_statements_at_any_depth():
    shallow = IncidentFactory()
    deep = shallow
    for _ in range(6):
        deep = IncidentFactory(parent=deep)
    for incident in (shallow, deep):  # both start with rows to update
        _claim(incident, 1, group="police")
    near = _statements(lambda: _claim(shallow, 2, group="police"))
    far = _statements(lambda: _claim(deep, 2, group="police"))
    assert near == far
    assert tally_differences() == []


# --- taxonomies come from the database ------------------------------------------------


def test_changing_a_sides_rank_changes_best_figures_after_a_recompute(child):
    _claim(child, 10)
    _claim(child, 40, side="perpetrator")
    assert _stored(child)[1] == 10
    ClaimantSide.objects.filter(slug="perpetrator").update(rank=9)
    assert len(tally_differences()) == 4  # child and root, civilians and all
    from casualties import engine

    engine.recompute(restart=True)
    assert _stored(child)[1] == 40
    assert tally_differences() == []


def test_a_new_side_and_a_new_group_work_end_to_end(child):
    ClaimantSide.objects.create(slug="ngo", name="NGO", rank=5)
    VictimGroup.objects.create(
        slug="journalists", name="Journalists", parent_id="civilians"
    )
    _claim(child, 3, group="journalists", side="ngo")
    _claim(child, 2, group="journalists")
    assert _stored(child, "journalists")[1] == 3  # the NGO outranks the officials
    assert _stored(child, "civilians") == (2, 3, 3)  # the part's interval
    assert _tally(child, "journalists").by_side == {
        "ngo": {"low": 3, "high": 3},
        "official": {"low": 2, "high": 2},
    }
    assert tally_differences() == []


def test_a_group_cannot_be_placed_below_itself():
    group = VictimGroup.objects.get(slug="security-forces")
    group.parent_id = "police"
    with pytest.raises(ValidationError, match="below itself"):
        group.full_clean()


# --- the recompute command ------------------------------------------------------------


def _corrupt(incident, **figures):

    with service_write():
        Tally.objects.filter(incident=incident).update(**figures)


def test_a_check_lists_what_differs_and_changes_nothing(root, child):
    _claim(child, 5)
    _corrupt(root, best=6, high=None)
    differences = tally_differences()
    assert len(differences) == 2
    assert all(f"incident {root.pk}" in line for line in differences)
    assert _stored(root) == (5, 6, None)


def test_a_recompute_repairs_and_logs_what_it_changed(root, child):
    _claim(child, 5)
    _corrupt(root, best=6, high=None)
    from casualties import engine

    assert engine.recompute().changed == 2
    assert _stored(root) == (5, 5, 5)
    assert TallyChange.objects.filter(cause="recompute").count() == 2
    assert tally_differences() == []


def test_a_stopped_recompute_resumes_after_the_trees_it_finished(root):
    from casualties import engine
    from casualties.models import TallyRebuild

    later = IncidentFactory()
    _claim(root, 5)
    _claim(later, 5)
    _corrupt(root, best=6, high=None)
    _corrupt(later, best=6, high=None)
    TallyRebuild.objects.create(done_through=root.pk)  # killed after the first tree

    engine.recompute()
    assert _stored(later) == (5, 5, 5)
    assert _stored(root) == (5, 6, None)  # finished before: not redone
    assert TallyRebuild.objects.filter(finished_at__isnull=True).count() == 0

    engine.recompute(restart=True)
    assert tally_differences() == []


def test_a_rebuild_from_empty_logs_every_row_it_creates(root, monkeypatch):
    """Past COPY_THRESHOLD new rows (PostgreSQL copies them; the threshold is
    lowered to get there with a few claims): each row still gets its one
    change, with its own id and figures, naming the rebuild."""
    from casualties import engine

    monkeypatch.setattr(engine, "COPY_THRESHOLD", 10)
    for n in range(12):
        ClaimFactory(incident=IncidentFactory(parent=root), low=n, high=n, point=n)
    with service_write():
        TallyChange.objects.all().delete()
        Tally.objects.all().delete()

    result = engine.recompute(restart=True)

    created = result.changed
    assert created > engine.COPY_THRESHOLD
    assert Tally.objects.count() == created
    changes = TallyChange.objects.all()
    assert changes.count() == created
    assert {(c.tally_id, c.best, c.version) for c in changes} == {
        (t.pk, t.best, 1) for t in Tally.objects.all()
    }
    assert set(changes.values_list("cause", "kind").distinct()) == {
        ("recompute", TallyChange.Kind.CREATED)
    }
    assert tally_differences() == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
@pytest.mark.parametrize("limit, analysed", [(1, True), (10_000, False)])
def test_a_big_rebuild_refreshes_the_planners_statistics(
    root, monkeypatch, limit, analysed
):
    """Past ANALYZE_AFTER changed rows the tally tables are analysed, so the
    next query is not planned on the counts from before the rebuild."""
    from casualties import engine
    from core import bulk

    monkeypatch.setattr(bulk, "ANALYZE_AFTER", limit)
    for n in range(3):
        ClaimFactory(incident=IncidentFactory(parent=root), low=n, high=n, point=n)
    with service_write():
        TallyChange.objects.all().delete()
        Tally.objects.all().delete()

    with CaptureQueriesContext(connection) as queries:
        result = engine.recompute(restart=True)

    assert result.changed > 1
    statements = [q["sql"] for q in queries if q["sql"].startswith("ANALYZE")]
    expected = ['ANALYZE "casualties_tally", "casualties_tallychange"']
    assert statements == (expected if analysed else [])
