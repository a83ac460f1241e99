"""Write workflows on casualty data that several entry points share.

`review_tally` is the editor's review of SPEC rule 7, used by the API and meant
for the review-queue page too, so both refuse and accept exactly the same input.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from casualties import reconcile, tallies
from casualties.models import Claim, Tally


class Conflict(Exception):
    """The row changed since the version the caller saw (an optimistic-lock miss)."""

    def __init__(self, current_version: int):
        super().__init__("The tally changed since that version.")
        self.current_version = current_version


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

    Reviewing a `stale` (or already reviewed) tally replaces the earlier review
    and makes it `reviewed` again. The override then flows into the sums of
    every tally above it (SPEC rule 7).

    Raises Conflict when `version` is not the stored one, and ValidationError
    with field-named messages for bad figures or a blank rationale; in both
    cases nothing is written.
    """
    with transaction.atomic():
        tally = Tally.objects.select_for_update().get(pk=tally_id)
        if tally.version != version:
            raise Conflict(tally.version)
        validate_review(tally, best=best, low=low, high=high, rationale=rationale)
        tally.reviewed_best = best
        tally.reviewed_low = low
        tally.reviewed_high = high
        tally.rationale = rationale.strip()
        tally.reviewed_by = user
        tally.reviewed_at = timezone.now()
        tally.status = Tally.Status.REVIEWED
        tally._history_user = user  # read by django-simple-history
        tally.save()
        tallies.refresh_path(tally.incident_id, tally.group_id, tally.outcome_id)
    tally.refresh_from_db()
    return tally


def clear_review(*, tally_id: int, user) -> Tally:
    """Withdraw the editor's figures: the tally goes back to the rules."""
    with transaction.atomic():
        tally = Tally.objects.select_for_update().get(pk=tally_id)
        tally.reviewed_best = tally.reviewed_low = tally.reviewed_high = None
        tally.rationale = ""
        tally.reviewed_by = tally.reviewed_at = None
        tally.status = Tally.Status.AUTO
        tally._history_user = user  # read by django-simple-history
        tally.save()
        tallies.refresh_path(tally.incident_id, tally.group_id, tally.outcome_id)
    tally.refresh_from_db()
    return tally


def validate_review(tally: Tally, *, best, low, high, rationale) -> None:
    """Raise field-named ValidationErrors for a review `review_tally` refuses."""
    errors: dict[str, str] = {}
    if not rationale or not rationale.strip():
        errors["rationale"] = "Say why this figure is the best estimate."
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
    """The (low, high) of this tally as rules 2 to 4 give it, ignoring its review.

    The stored figures of a reviewed tally already carry the review, so they
    are recomputed from the row's own claims and its parts' stored rows (which
    keep their own reviews: a reviewed part is what this whole is made of).
    """
    if tally.reviewed_best is None:
        return tally.low, tally.high
    key = (tally.incident_id, tally.group_id, tally.outcome_id)
    claims = tallies._claim_data(
        Claim.objects.filter(incident=key[0], group=key[1], outcome=key[2])
    )
    own = reconcile.counted_claims(claims, tallies._superseded(claims))
    parts = Tally.objects.filter(outcome=tally.outcome_id)
    children = parts.filter(incident__parent=key[0], group=key[1])
    subgroups = parts.filter(incident=key[0], group__parent=key[1])
    figures = reconcile.compute_tally(
        own,
        [tallies._part(t) for t in children],
        [tallies._part(t) for t in subgroups],
    )
    if figures is None:  # the row is about to disappear; keep its stored figures
        return tally.low, tally.high
    return figures.low, figures.high
