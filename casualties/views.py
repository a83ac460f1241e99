"""The editor's review queue: the tallies waiting for a decision, and the page
where an editor weighs the claims, assesses them and sets the best figure.

Every write goes through the services the API and the admin use
(`services.assess_claim`, `services.review_tally`), so the three entry points
accept and refuse the same things. Both forms carry the version the editor
saw: a row changed in the meantime is never overwritten, and the editor is
told what changed.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from casualties import engine, services
from casualties.forms import AssessClaimForm, ReviewForm
from casualties.models import Claim, ClaimantSide, Tally, TallyChange
from casualties.reconcile import SetAside
from incidents.access import visible_incidents
from incidents.base import Conflict
from sources.models import Report

REVIEW_PAGE = "casualties/tally_review.html"
# Why a claim does not count (rule 1, classified by casualties.reconcile).
SET_ASIDE = {
    SetAside.RETRACTED: "Retracted (the claim or its incident).",
    SetAside.DISCOUNTED: "Discounted by an editor.",
    SetAside.SUPERSEDED: "Superseded by a later claim.",
    SetAside.OLDER: "A later figure from the same claimant counts.",
}
CLAIMS_SECTION = "casualties/partials/review_claims.html"


def get_reviewable_tally(user, pk) -> Tally:
    """The tally, or 404 when it is missing or its incident is not for this user.

    Any tally may be reviewed, not only those in the queue: an editor may
    revisit a settled figure.
    """
    tallies = Tally.objects.filter(
        incident__in=visible_incidents(user, include_retracted=True)
    )
    return get_object_or_404(
        tallies.select_related(
            "incident", "group", "outcome", "review", "review__reviewed_by"
        ),
        pk=pk,
    )


def _with_sides(tallies):
    """Each tally's `by_side` as named sides, highest-ranked first."""
    sides = {side.slug: side for side in ClaimantSide.objects.all()}
    for tally in tallies:
        tally.sides = tally.named_sides(sides)
    return tallies


class ReviewQueueView(PermissionRequiredMixin, ListView):
    """Disputed, inconsistent and stale tallies, the longest-waiting first."""

    permission_required = "casualties.review_tally"
    template_name = "casualties/review_queue.html"
    context_object_name = "tallies"
    paginate_by = 25

    def get_queryset(self):
        return (
            Tally.objects.review_queue()
            .filter(
                incident__in=visible_incidents(
                    self.request.user, include_retracted=True
                )
            )
            .select_related("incident", "group", "outcome")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        _with_sides(context["tallies"])
        return context


@dataclass
class Change:
    """What changed under an editor since the page was opened."""

    then: object  # the tally as it was at the version seen, if recorded
    by: str
    at: object


def _by(user) -> str:
    return user.get_username() if user else "the system"


def _tally_change(tally: Tally, seen_version: int) -> Change:
    changes = TallyChange.objects.filter(
        incident=tally.incident_id,
        group=tally.group_id,
        outcome=tally.outcome_id,
        tally_id=tally.pk,
    ).select_related("user")
    latest = changes.order_by("-at", "-id").first()
    return Change(
        then=changes.filter(version=seen_version).order_by("-at", "-id").first(),
        by=_by(getattr(latest, "user", None)),
        at=getattr(latest, "at", None),
    )


def _claim_change_message(claim: Claim) -> str:
    record = (
        Claim.history.filter(id=claim.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
        .first()
    )
    change = Change(
        then=None,
        by=_by(getattr(record, "history_user", None)),
        at=getattr(record, "history_date", None),
    )
    when = timezone.localtime(change.at).strftime("%Y-%m-%d %H:%M") if change.at else ""
    return (
        f"Claim {claim.pk} was edited by {change.by} at {when} since you opened "
        f"this page; it now reads {claim.interval_display}, assessed "
        f"{claim.get_assessment_display().lower()}. Nothing was saved: assess it "
        "again if you still mean to."
    )


def _assess_form(claim: Claim, tally: Tally, data=None) -> AssessClaimForm:
    return AssessClaimForm(
        data,
        instance=claim,
        initial={"version": claim.version, "tally": tally.pk},
        auto_id=f"claim-{claim.pk}-%s",
    )


def _claims(tally: Tally, user) -> list[Claim]:
    """The claims the tally rests on, each marked counted or set aside (with why).

    Its own claims come first, then those about its parts.
    """
    scope = Claim.objects.feeding(tally)
    reasons = engine.set_aside(scope)
    claims = list(
        scope.filter(incident__in=visible_incidents(user, include_retracted=True))
        .select_related("claimant", "side", "group", "outcome", "incident")
        .prefetch_related(
            Prefetch(
                "reports",
                queryset=Report.objects.select_related("source").order_by(
                    "source__name", "-published_at", "id"
                ),
            )
        )
    )
    for claim in claims:
        reason = reasons.get(claim.pk)
        claim.set_aside_reason = None if reason is None else SET_ASIDE[reason]
        claim.is_part = (claim.incident_id, claim.group_id) != (
            tally.incident_id,
            tally.group_id,
        )
        claim.assess_form = _assess_form(claim, tally)
    claims.sort(
        key=lambda c: (c.is_part, c.incident.path, c.group_id, -c.side.rank, c.pk)
    )
    return claims


def _review_context(tally: Tally, user, **extra) -> dict:
    _with_sides([tally])
    low, high = services.unreviewed_interval(tally)
    claims = extra.pop("claims", None) or _claims(tally, user)
    return {
        "tally": tally,
        "supported_low": low,
        "supported_high": high,
        "counted": [c for c in claims if c.set_aside_reason is None],
        "set_aside": [c for c in claims if c.set_aside_reason is not None],
        "assessments": Claim.Assessment.choices,
        **extra,
    }


def _review_initial(tally: Tally) -> dict:
    review = tally.review
    if review is None:
        return {"best": tally.best, "version": tally.version}
    return {
        "best": review.best,
        "low": review.low,
        "high": review.high,
        "rationale": review.rationale,
        "version": tally.version,
    }


class TallyReviewView(PermissionRequiredMixin, View):
    """The claims side by side, their assessment, and the review form."""

    permission_required = "casualties.review_tally"

    def get(self, request, pk):
        tally = get_reviewable_tally(request.user, pk)
        form = ReviewForm(initial=_review_initial(tally))
        return render(
            request, REVIEW_PAGE, _review_context(tally, request.user, form=form)
        )

    def post(self, request, pk):
        tally = get_reviewable_tally(request.user, pk)
        form = ReviewForm(request.POST)
        if not form.is_valid():
            return self._page(tally, form)
        data = form.cleaned_data
        try:
            reviewed = services.review_tally(
                tally_id=tally.pk,
                user=request.user,
                best=data["best"],
                low=data["low"],
                high=data["high"],
                rationale=data["rationale"],
                version=data["version"],
            )
        except Conflict as conflict:
            return self._conflict(tally, form, conflict)
        except ValidationError as error:
            for field, field_messages in error.message_dict.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
            return self._page(tally, form)
        messages.success(
            request,
            f"Review saved: {tally.group.name} {tally.outcome.name.lower()} in "
            f"{tally.incident.title} now stands at {reviewed.best}.",
        )
        return redirect("casualties:queue")

    def _page(self, tally, form, status=200, **extra):
        context = _review_context(tally, self.request.user, form=form, **extra)
        return render(self.request, REVIEW_PAGE, context, status=status)

    def _conflict(self, tally, form, conflict: Conflict):
        """Keep the editor's input, show then and now, and carry the new version."""
        seen = form.cleaned_data["version"]
        tally = get_reviewable_tally(self.request.user, tally.pk)
        form = ReviewForm({**self.request.POST.dict(), "version": tally.version})
        change = _tally_change(tally, seen)
        return self._page(tally, form, status=409, tally_change=change)


class AssessClaimView(PermissionRequiredMixin, View):
    """Set one claim's assessment; htmx gets the claim's row, others a redirect.

    The form names the tally under review: the claim must be one that tally
    rests on, which also says where to send the editor back to.
    """

    permission_required = "casualties.assess_claim"

    def post(self, request, pk):
        try:
            tally_id = int(request.POST.get("tally", ""))
        except ValueError:
            return HttpResponseBadRequest("Say which tally the claim is reviewed in.")
        tally = get_reviewable_tally(request.user, tally_id)
        scope = Claim.objects.feeding(tally).filter(
            incident__in=visible_incidents(request.user, include_retracted=True)
        )
        claim = get_object_or_404(scope, pk=pk)
        form = _assess_form(claim, tally, request.POST)
        if not form.is_valid():
            return self._invalid(tally, form)
        try:
            claim = services.assess_claim(
                claim=claim,
                user=request.user,
                assessment=form.cleaned_data["assessment"],
                note=form.cleaned_data["assessment_note"],
                version=form.cleaned_data["version"],
            )
        except Conflict:
            claim.refresh_from_db()
            return self._answer(tally, claim, conflict=_claim_change_message(claim))
        return self._answer(tally, claim, assessed=True)

    def _answer(self, tally, claim, *, conflict="", assessed=False):
        request = self.request
        if not request.htmx:
            if conflict:
                messages.warning(request, conflict)
            else:
                messages.success(
                    request,
                    f"Claim {claim.pk} assessed as "
                    f"{claim.get_assessment_display().lower()}.",
                )
            url = reverse("casualties:review", args=[tally.pk])
            return redirect(f"{url}#claim-{claim.pk}")
        # Reassessing may move the claim between the columns and the tally's
        # figures: the whole claims section and the figures are swapped in.
        tally = get_reviewable_tally(request.user, tally.pk)
        claims = _claims(tally, request.user)
        row = _one(claims, claim.pk)
        row.conflict, row.assessed = conflict, assessed
        context = _review_context(tally, request.user, claims=claims)
        return render(request, "casualties/partials/assessed.html", context)

    def _invalid(self, tally, form):
        """The errors beside the claim's note and buttons; nothing was saved."""
        request = self.request
        tally = get_reviewable_tally(request.user, tally.pk)
        claims = _claims(tally, request.user)
        row = _one(claims, form.instance.pk)
        row.assess_form = form
        if request.htmx:  # htmx swaps only 2xx answers
            context = _review_context(tally, request.user, claims=claims)
            return render(request, CLAIMS_SECTION, context)
        form = ReviewForm(initial=_review_initial(tally))
        context = _review_context(tally, request.user, claims=claims, form=form)
        return render(request, REVIEW_PAGE, context, status=400)


def _one(claims, pk) -> Claim:
    return next(claim for claim in claims if claim.pk == pk)
