"""The one door for every write on claims and reviews.

The API, the web forms, the admin, the reference loader and the importers call
these functions and nothing else, so they accept and refuse the same input.
Each is keyword-only and atomic (`write_service`); it locks the trees the write
touches before it reads anything (`engine.lock_trees`), compares the version
the caller saw, stamps the author, lets django-simple-history record the row,
and then refreshes, once, the tallies the write can move, naming itself as the
cause of every tally change.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils import timezone

from casualties import engine
from casualties.models import (
    PUBLISHED,
    TALLY_INPUT_FIELDS,
    WORKING,
    Claim,
    ClaimReport,
    Tally,
    TallyChange,
    TallyReview,
)
from core.validators import HTML_TAG, MARKUP_MESSAGE
from incidents.base import WriteFields, check_version, write_service
from incidents.models import Incident

Key = engine.Key

# What a writer may set on a claim; the rest (author, version, retraction) the
# services set themselves.
CLAIM_FIELDS = frozenset(
    {
        "incident",
        "claimant",
        "party",
        "side",
        "group",
        "outcome",
        "low",
        "high",
        "point",
        "wording",
        "asserted_at",
        "period_start",
        "period_end",
        "period_label",
        "supersedes",
        "assessment",
        "assessment_note",
    }
)
RELATIONS = ["incident", "claimant", "party", "side", "group", "outcome", "supersedes"]


WRITES = WriteFields(Claim, CLAIM_FIELDS, RELATIONS)


def _inputs(claim: Claim) -> dict:
    return {name: getattr(claim, name) for name in TALLY_INPUT_FIELDS}


def _keys(*states: dict | None) -> set[Key]:
    """The claim keys these states of a claim feed, and those of the claims
    they supersede (which count again, or stop counting)."""
    keys = set()
    superseded = set()
    for state in filter(None, states):
        keys.add((state["incident_id"], state["group_id"], state["outcome_id"]))
        if state["supersedes_id"] is not None:
            superseded.add(state["supersedes_id"])
    keys.update(
        Claim.objects.filter(pk__in=superseded).values_list(
            "incident_id", "group_id", "outcome_id"
        )
    )
    return keys


def _counted_in(*standings: str) -> set[str]:
    """The figures in which a claim on incidents of these standings counts."""
    return {
        which
        for which in (WORKING, PUBLISHED)
        for standing in standings
        if engine.counts_in(which, standing)
    }


def _link_reports(claim: Claim, reports: Iterable, user) -> None:
    """The claim's reports become `reports`: links added and removed row by
    row (a claim has a handful), so its history records each with its author."""
    wanted = dict.fromkeys(getattr(report, "pk", report) for report in reports)
    for link in ClaimReport.objects.filter(claim=claim):
        if link.report_id in wanted:
            del wanted[link.report_id]
        else:
            link._history_user = user
            link.delete()
    for report in wanted:
        link = ClaimReport(claim=claim, report_id=report)
        link._history_user = user
        link.save()


CLOSED_INCIDENT = (
    "This incident is retracted (or lies under a retracted one): its claims are "
    "kept as they were and take no new ones."
)
RETRACTED_CLAIM = "A retracted claim is kept as it was retracted: it cannot be changed."


def _check_open(placements, *incidents: int) -> None:
    """Claims are written only on incidents that are not retracted, at any
    depth (the same contract on every door)."""
    if any(placements[pk].standing == Incident.Status.RETRACTED for pk in incidents):
        raise ValidationError({"incident": CLOSED_INCIDENT})


def _cause(kind: str, pk: int, user) -> engine.Cause:
    return engine.Cause(kind, pk, getattr(user, "pk", None))


@write_service
def create_claim(*, user, reports: Iterable = (), **fields) -> Claim:
    """Record a claim (a supersession when `supersedes` is given) with the
    reports it was read in."""
    claim = Claim(**WRITES.check(fields), created_by=user)
    WRITES.clean(claim)
    keys = _keys(_inputs(claim))
    placements = engine.lock_trees(incident for incident, _, _ in keys)
    _check_open(placements, claim.incident_id)
    claim._history_user = user  # read by django-simple-history
    claim.save()
    reports = list(reports)
    if reports:
        _link_reports(claim, reports, user)
    engine.refresh(
        keys,
        placements,
        cause=_cause(TallyChange.Cause.CLAIM, claim.pk, user),
        stale_in=_counted_in(placements[claim.incident_id].standing),
    )
    return claim


@write_service
def update_claim(
    *, claim: Claim, user, version: int | None = None, reports=None, **changes
) -> Claim:
    """Change a claim's fields (and, given `reports`, the reports it was read
    in). `version`, when given, must be the stored one."""
    WRITES.check(changes)
    incident = changes.get("incident", changes.get("incident_id"))
    moving_to = [] if incident is None else [getattr(incident, "pk", incident)]
    stored_incident = Claim.objects.values_list("incident_id", flat=True)
    placements = engine.lock_trees([stored_incident.get(pk=claim.pk), *moving_to])
    stored = Claim.objects.select_for_update(no_key=True).get(pk=claim.pk)
    if stored.incident_id not in placements:  # moved by a write that just ended
        placements |= engine.lock_trees([stored.incident_id])
    check_version(stored, version)
    if stored.is_retracted:
        raise ValidationError(RETRACTED_CLAIM)
    before = _inputs(stored)
    for name, value in changes.items():
        setattr(stored, name, value)
    WRITES.clean(stored)
    after = _inputs(stored)
    _check_open(placements, before["incident_id"], after["incident_id"])
    stored._history_user = user  # read by django-simple-history
    stored.save()
    if reports is not None:
        _link_reports(stored, reports, user)
    changed = before != after
    if changed or reports is not None:
        standings = [placements[before["incident_id"]].standing]
        standings.append(placements[after["incident_id"]].standing)
        engine.refresh(
            _keys(before, after),
            placements,
            cause=_cause(TallyChange.Cause.CLAIM, stored.pk, user),
            stale_in=_counted_in(*standings) if changed else (),
        )
    return stored


def assess_claim(
    *, claim: Claim, user, assessment: str, note: str, version: int | None = None
) -> Claim:
    """An editor's assessment: credible, contested or discounted (rule 1)."""
    return update_claim(
        claim=claim,
        user=user,
        version=version,
        assessment=assessment,
        assessment_note=note,
    )


@write_service
def retract_claim(*, claim: Claim, user, reason: str, version: int | None = None):
    """Withdraw a claim with a reason; it is then treated as never entered."""
    placements = engine.lock_trees([claim.incident_id])
    stored = Claim.objects.select_for_update(no_key=True).get(pk=claim.pk)
    if stored.incident_id not in placements:
        placements |= engine.lock_trees([stored.incident_id])
    check_version(stored, version)
    if stored.is_retracted:
        raise ValidationError({"retraction_reason": "This claim is already retracted."})
    stored.retract(reason=reason, user=user)
    engine.refresh(
        _keys(_inputs(stored)),
        placements,
        cause=_cause(TallyChange.Cause.CLAIM, stored.pk, user),
        stale_in=_counted_in(placements[stored.incident_id].standing),
    )
    return stored


# --- reviews ------------------------------------------------------------------------


def _locked_tally(tally_id: int) -> tuple[Tally, dict]:
    incident_id = Tally.objects.values_list("incident_id", flat=True).get(pk=tally_id)
    placements = engine.lock_trees([incident_id])
    return Tally.objects.select_related("incident").get(pk=tally_id), placements


@write_service
def review_tally(
    *,
    tally_id: int,
    user,
    best: int,
    low: int | None,
    high: int | None,
    rationale: str,
    version: int,
) -> Tally:
    """Set the editor's best (and a narrower low/high) with a rationale.

    The figures must stay inside the interval the claims and parts support, as
    computed without any earlier review: `computed low <= low <= best <= high <=
    computed high` (an open computed high allows any high). A review may narrow
    the interval but never widen it, because a best figure that no claim
    supports belongs in a claim with a source, not in an override. `low`/`high`
    left out keep the computed ones (so an open high stays open).

    One review holds for the working and the published figures of the key.
    Reviewing a `stale` (or already reviewed) tally replaces the earlier review
    and makes it `reviewed` again. The override then flows into the sums of
    every tally above it (SPEC rule 7).

    Raises Conflict when `version` is not the stored one, and ValidationError
    with field-named messages for bad figures or a blank rationale; in both
    cases nothing is written.
    """
    tally, placements = _locked_tally(tally_id)
    check_version(tally, version)
    validate_review(tally, best=best, low=low, high=high, rationale=rationale)
    incident, group, outcome = tally.key
    review = TallyReview.objects.filter(
        incident=incident, group=group, outcome=outcome
    ).first() or TallyReview(incident_id=incident, group_id=group, outcome_id=outcome)
    review.best, review.low, review.high = best, low, high
    review.rationale = rationale.strip()
    review.reviewed_by = user
    review.reviewed_at = timezone.now()
    review.stale_working = review.stale_published = False
    review._history_user = user  # read by django-simple-history
    review.save()
    engine.refresh(
        {tally.key},
        placements,
        cause=_cause(TallyChange.Cause.REVIEW, review.pk, user),
    )
    return Tally.objects.get(pk=tally_id)


@write_service
def clear_review(*, tally_id: int, user) -> Tally | None:
    """Withdraw the editor's figures: the tally goes back to the rules.

    The review's history keeps what it said and who withdrew it.
    """
    tally, placements = _locked_tally(tally_id)
    review = tally.review
    if review is None:
        return tally
    review._history_user = user  # read by django-simple-history
    review.delete()
    engine.refresh(
        {tally.key},
        placements,
        cause=_cause(TallyChange.Cause.REVIEW, review.pk, user),
    )
    return Tally.objects.filter(pk=tally_id).first()


def validate_review(tally: Tally, *, best, low, high, rationale) -> None:
    """Raise field-named ValidationErrors for a review `review_tally` refuses."""
    errors: dict[str, str] = {}
    if not rationale or not rationale.strip():
        errors["rationale"] = "Say why this figure is the best estimate."
    elif HTML_TAG.search(rationale):
        errors["rationale"] = MARKUP_MESSAGE
    for name, value in (("best", best), ("low", low), ("high", high)):
        if value is not None and value < 0:
            errors[name] = "The figure cannot be negative."
    if errors:
        raise ValidationError(errors)

    computed_low, computed_high = unreviewed_interval(tally)
    if best < computed_low or (computed_high is not None and best > computed_high):
        upper = "open" if computed_high is None else computed_high
        errors["best"] = (
            f"The best figure must lie between {computed_low} and {upper}, the "
            "interval the claims support."
        )
    if low is not None and low < computed_low:
        errors["low"] = (
            f"The low figure cannot be below {computed_low}: a review may narrow "
            "the interval the claims support, not widen it."
        )
    elif low is not None and low > best:
        errors["low"] = "The low figure cannot be above the best figure."
    if high is not None and computed_high is not None and high > computed_high:
        errors["high"] = (
            f"The high figure cannot be above {computed_high}: a review may narrow "
            "the interval the claims support, not widen it."
        )
    elif high is not None and high < best:
        errors["high"] = "The high figure cannot be below the best figure."
    if errors:
        raise ValidationError(errors)


def unreviewed_interval(tally: Tally) -> tuple[int, int | None]:
    """The (low, high) of this tally as rules 2 to 4 give it, ignoring its review."""
    if tally.review_id is None:
        return tally.low, tally.high
    figures = engine.figures_without_review(tally)
    if figures is None:  # the row is about to disappear; keep its stored figures
        return tally.low, tally.high
    return figures.low, figures.high
