"""Casualty claims as each party worded them, and the tallies reconciled from them."""

from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from casualties import reconcile
from incidents.base import Retractable, TaxonomyTerm, Versioned
from incidents.models import Actor, Incident
from sources.models import Report


class VictimGroup(TaxonomyTerm):
    """Who was harmed; a tree so that parts can be summed into wholes."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta(TaxonomyTerm.Meta):
        pass


class Outcome(TaxonomyTerm):
    """What happened to them: killed, injured, abducted, missing, detained, freed."""

    class Meta(TaxonomyTerm.Meta):
        pass


class ClaimantSide(TaxonomyTerm):
    """Which side a claimant speaks for; `rank` orders sides for the best figure."""

    rank = models.PositiveSmallIntegerField(
        unique=True, help_text="Higher ranks give the provisional best figure."
    )

    class Meta(TaxonomyTerm.Meta):
        ordering = ["-rank"]


def interval_errors(low, high, point) -> dict[str, str]:
    """The interval rules, in one place for models, forms, admin and API.

    Each error names the field it is about.
    """
    errors = {}
    if low is not None and low < 0:
        errors["low"] = "The low figure cannot be negative."
    if high is not None and high < 0:
        errors["high"] = "The high figure cannot be negative."
    elif high is not None and low is not None and high < low:
        errors["high"] = "The high figure cannot be below the low figure."
    if point is not None and point < 0:
        errors["point"] = "The stated figure cannot be negative."
    elif point is not None and low is not None and point < low:
        errors["point"] = "The stated figure cannot be below the low figure."
    elif point is not None and high is not None and point > high:
        errors["point"] = "The stated figure cannot be above the high figure."
    return errors


def interval_constraints(prefix: str, *, with_point: bool):
    """Database twins of `interval_errors`, so no writer can bypass them."""
    constraints = [
        models.CheckConstraint(
            condition=Q(low__gte=0),
            name=f"{prefix}_low_not_negative",
            violation_error_message="The low figure cannot be negative.",
        ),
        models.CheckConstraint(
            condition=Q(high__isnull=True) | Q(high__gte=F("low")),
            name=f"{prefix}_high_not_below_low",
            violation_error_message="The high figure cannot be below the low figure.",
        ),
    ]
    if with_point:
        constraints.append(
            models.CheckConstraint(
                condition=Q(point__isnull=True)
                | (
                    Q(point__gte=F("low"))
                    & (Q(high__isnull=True) | Q(point__lte=F("high")))
                ),
                name=f"{prefix}_point_inside_interval",
                violation_error_message=(
                    "The stated figure must lie between low and high."
                ),
            )
        )
    return constraints


class ClaimQuerySet(models.QuerySet):
    def active(self):
        return self.filter(retracted_at__isnull=True)

    def visible_to(self, user, *, include_retracted=False):
        """Claims on incidents the user may read; retracted ones only on request."""
        claims = self.filter(incident__in=Incident.objects.visible_to(user))
        return claims if include_retracted else claims.active()

    def feeding(self, tally: "Tally"):
        """The claims a tally is made of: its own and, at any depth, its parts'.

        Parts are the sub-incidents and subgroups whose sums bound the tally
        (rule 4), so an editor reviewing a whole sees what its parts rest on.
        """
        parent = dict(VictimGroup.objects.values_list("slug", "parent_id"))
        groups = [g for g in parent if tally.group_id in reconcile.ancestors(g, parent)]
        return self.filter(
            outcome=tally.outcome_id,
            group__in=groups,
            incident__path__startswith=tally.incident.path,
        )

    def set_aside_reasons(self) -> dict[int, str]:
        """Why each of these claims does not count (rule 1), by claim id.

        Claims missing from the answer count. Rule 1 judges a claim against the
        other claims of its incident, group and outcome, so the queryset must
        hold all of them, retracted ones included (as `feeding` does).
        """
        from casualties import tallies

        claims = tallies._claim_data(self)
        superseded = tallies._superseded(claims) | reconcile.superseded_ids(claims)
        by_key = defaultdict(list)
        for claim in claims:
            by_key[claim.key].append(claim)
        counted = {
            claim.id
            for same_key in by_key.values()
            for claim in reconcile.counted_claims(same_key, superseded)
        }
        reasons = {}
        for claim in claims:
            if claim.id in counted:
                continue
            if claim.retracted:
                reasons[claim.id] = "Retracted (the claim or its incident)."
            elif claim.assessment == Claim.Assessment.DISCOUNTED:
                reasons[claim.id] = "Discounted by an editor."
            elif claim.id in superseded:
                reasons[claim.id] = "Superseded by a later claim."
            else:
                reasons[claim.id] = "A later figure from the same claimant counts."
        return reasons


class Claim(Versioned, Retractable):
    """One casualty figure as one claimant asserted it, with its provenance."""

    class Assessment(models.TextChoices):
        UNASSESSED = "unassessed", "Unassessed"
        CREDIBLE = "credible", "Credible"
        CONTESTED = "contested", "Contested"
        DISCOUNTED = "discounted", "Discounted"

    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="claims"
    )
    claimant = models.ForeignKey(
        Actor,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
        help_text="The actor who asserts the figure; empty if unnamed.",
    )
    side = models.ForeignKey(ClaimantSide, on_delete=models.PROTECT, related_name="+")
    reports = models.ManyToManyField(Report, blank=True, related_name="claims")
    group = models.ForeignKey(VictimGroup, on_delete=models.PROTECT, related_name="+")
    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="+")
    low = models.PositiveIntegerField()
    high = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty when the figure is open-ended."
    )
    point = models.PositiveIntegerField(
        null=True, blank=True, help_text="The figure as stated, if one was."
    )
    wording = models.CharField(
        max_length=500, blank=True, help_text='As worded: "at least 108", "dozens".'
    )
    asserted_at = models.DateTimeField(null=True, blank=True)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    period_label = models.CharField(
        max_length=100, blank=True, help_text='The period as worded: "over 48 hours".'
    )
    supersedes = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        help_text="An earlier claim by the same claimant that this one replaces.",
    )
    assessment = models.CharField(
        max_length=12, choices=Assessment, default=Assessment.UNASSESSED
    )
    assessment_note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    history = HistoricalRecords()
    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["incident", "group", "outcome", "id"]
        permissions = [("assess_claim", "Can assess claims")]
        indexes = [
            models.Index(fields=["incident", "group", "outcome"], name="claim_key"),
            models.Index(fields=["supersedes"], name="claim_supersedes"),
        ]
        constraints = [
            *interval_constraints("claim", with_point=True),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="claim_period_end_not_before_start",
                violation_error_message="The period cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=~Q(supersedes=F("id")),
                name="claim_not_superseding_itself",
                violation_error_message="A claim cannot supersede itself.",
            ),
            models.CheckConstraint(
                condition=Q(retracted_at__isnull=True) | ~Q(retraction_reason=""),
                name="claim_retraction_has_reason",
                violation_error_message="Say why the claim is retracted.",
            ),
        ]

    def __str__(self):
        wording = self.wording or self.interval_display
        return f"{wording} {self.group_id} {self.outcome_id} ({self.side_id})"

    @property
    def interval_display(self) -> str:
        high = "open" if self.high is None else self.high
        return str(self.low) if self.high == self.low else f"{self.low}-{high}"

    def clean(self):
        errors = interval_errors(self.low, self.high, self.point)
        if (
            self.period_start
            and self.period_end
            and self.period_end < self.period_start
        ):
            errors["period_end"] = "The period cannot end before it starts."
        if self.asserted_at and self.asserted_at > timezone.now():
            errors["asserted_at"] = "The assertion time cannot be in the future."
        if self.supersedes_id is not None:
            errors.update(self._supersession_errors())
        if errors:
            raise ValidationError(errors)

    def _supersession_errors(self) -> dict[str, str]:
        earlier = self.supersedes
        if self.pk is not None and earlier.pk == self.pk:
            return {"supersedes": "A claim cannot supersede itself."}
        if earlier.claimant_id != self.claimant_id:
            return {
                "supersedes": "A claim can only supersede one by the same claimant."
            }
        seen = {self.pk}
        while earlier is not None:
            if earlier.pk in seen:
                return {"supersedes": "Supersession cannot go round in a circle."}
            seen.add(earlier.pk)
            earlier = earlier.supersedes
        return {}

    def save(self, *args, **kwargs):
        """Save, then bring every tally the claim touched or touches up to date."""
        from casualties.tallies import refresh_for_claim

        with transaction.atomic():
            before = (
                Claim.objects.filter(pk=self.pk).values(*TALLY_INPUT_FIELDS).first()
                if self.pk
                else None
            )
            super().save(*args, **kwargs)
            refresh_for_claim(self, before)

    def set_reports(self, reports):
        """Link the reports the claim was read in; its tallies count their sources."""
        from casualties.tallies import refresh_path

        with transaction.atomic():
            self.reports.set(reports)
            refresh_path(self.incident_id, self.group_id, self.outcome_id)


# The fields whose change can move a tally (rule 1 to 6 inputs).
TALLY_INPUT_FIELDS = (
    "incident_id",
    "group_id",
    "outcome_id",
    "side_id",
    "claimant_id",
    "low",
    "high",
    "point",
    "asserted_at",
    "supersedes_id",
    "assessment",
    "retracted_at",
)


class TallyQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(incident__in=Incident.objects.visible_to(user))

    def needing_review(self):
        return self.filter(status__in=[Tally.Status.NEEDS_REVIEW, Tally.Status.STALE])

    def review_queue(self):
        """Tallies waiting for an editor, the longest-waiting first."""
        return self.needing_review().order_by("updated_at", "id")


class Tally(Versioned):
    """The reconciled figure for one incident, victim group and outcome.

    Stored and kept current on every write (see casualties.tallies), so that
    reading tallies never recomputes them.
    """

    class Status(models.TextChoices):
        AUTO = "auto", "Automatic"
        NEEDS_REVIEW = "needs_review", "Needs review"
        REVIEWED = "reviewed", "Reviewed"
        STALE = "stale", "Stale (changed since review)"

    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="tallies"
    )
    group = models.ForeignKey(VictimGroup, on_delete=models.PROTECT, related_name="+")
    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="+")
    low = models.PositiveIntegerField()
    best = models.PositiveIntegerField()
    high = models.PositiveIntegerField(null=True, blank=True)
    by_side = models.JSONField(default=dict, blank=True)
    disputed = models.BooleanField(default=False)
    inconsistent = models.BooleanField(default=False)
    unattributed = models.PositiveIntegerField(default=0)
    claims = models.PositiveIntegerField(default=0)
    sources = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=12, choices=Status, default=Status.AUTO, db_index=True
    )
    # The editor's override; it replaces the computed best (and narrows low/high).
    reviewed_best = models.PositiveIntegerField(null=True, blank=True)
    reviewed_low = models.PositiveIntegerField(null=True, blank=True)
    reviewed_high = models.PositiveIntegerField(null=True, blank=True)
    rationale = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()
    objects = TallyQuerySet.as_manager()

    class Meta:
        ordering = ["incident", "group", "outcome", "id"]
        verbose_name_plural = "tallies"
        permissions = [("review_tally", "Can review tallies")]
        indexes = [
            models.Index(
                fields=["group", "outcome", "incident"], name="tally_group_outcome"
            ),
            models.Index(fields=["status", "updated_at"], name="tally_status_updated"),
            models.Index(fields=["outcome", "disputed"], name="tally_outcome_disputed"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "group", "outcome"],
                name="tally_one_per_key",
                violation_error_message=(
                    "There is already a tally for this incident, group and outcome."
                ),
            ),
            *interval_constraints("tally", with_point=False),
            models.CheckConstraint(
                condition=Q(best__gte=F("low"))
                & (Q(high__isnull=True) | Q(best__lte=F("high"))),
                name="tally_best_inside_interval",
                violation_error_message=(
                    "The best figure must lie between low and high."
                ),
            ),
            models.CheckConstraint(
                condition=Q(reviewed_best__isnull=True) | ~Q(rationale=""),
                name="tally_review_has_rationale",
                violation_error_message="A reviewed figure needs a rationale.",
            ),
        ]

    def named_sides(self, sides: dict) -> list[dict]:
        """Each side's interval with the side's name, highest-ranked side first.

        `sides` maps slugs to ClaimantSide rows, loaded once per page rather
        than once per tally.
        """
        ranked = sorted(
            self.by_side.items(),
            key=lambda item: -sides[item[0]].rank if item[0] in sides else 0,
        )
        return [
            {
                "name": sides[slug].name if slug in sides else slug,
                "low": interval.get("low"),
                "high": interval.get("high"),
            }
            for slug, interval in ranked
        ]

    def __str__(self):
        high = "open" if self.high is None else self.high
        figures = f"{self.low}-{self.best}-{high}"
        return f"{self.incident_id} {self.group_id}/{self.outcome_id}: {figures}"

    def clean(self):
        errors = interval_errors(self.low, self.high, self.best)
        if "point" in errors:
            errors["best"] = errors.pop("point").replace("stated", "best")
        if errors:
            raise ValidationError(errors)
