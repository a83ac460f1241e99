"""Casualty claims as each party worded them, and the tallies reconciled from them.

Claims, their report links, tallies and reviews are written only by the write
services (`casualties.services`, which call `casualties.engine`): the rows'
`save()` and bulk writes refuse to run anywhere else, so no door can change a
figure without the tallies following.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from casualties import reconcile
from core.history import History
from core.validators import no_markup, plausible_date
from incidents.base import (
    Retractable,
    ServiceWritten,
    ServiceWrittenQuerySet,
    TaxonomyTerm,
    Versioned,
)
from incidents.models import Actor, Incident, can_read_drafts, readable_by
from sources.models import Report


class VictimGroupQuerySet(models.QuerySet):
    def parents(self) -> dict[str, str | None]:
        return dict(self.values_list("slug", "parent_id"))

    def below(self, slug: str) -> list[str]:
        """The group and every group under it, at any depth."""
        parent = self.parents()
        return [g for g in parent if slug in reconcile.ancestors(g, parent)]


class VictimGroup(TaxonomyTerm):
    """Who was harmed; a tree so that parts can be summed into wholes.

    The engine reads this tree from here; a change to it moves figures only
    after `manage.py recompute_tallies`.
    """

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Where it is listed in tables (smaller first)."
    )

    objects = VictimGroupQuerySet.as_manager()

    class Meta(TaxonomyTerm.Meta):
        ordering = ["position", "slug"]

    def clean(self):
        parent = VictimGroup.objects.exclude(slug=self.slug).parents()
        parent[self.slug] = self.parent_id
        try:
            reconcile.ancestors(self.slug, parent)
        except ValueError:
            raise ValidationError(
                {"parent": "A group cannot lie below itself."}
            ) from None


class Outcome(TaxonomyTerm):
    """What happened to them: killed, injured, abducted, missing, detained, freed."""

    position = models.PositiveSmallIntegerField(
        default=0, help_text="Where it is listed in tables (smaller first)."
    )

    class Meta(TaxonomyTerm.Meta):
        ordering = ["position", "slug"]


class ClaimantSide(TaxonomyTerm):
    """Which side a claimant speaks for; `rank` orders sides for the best figure.

    The engine reads the ranks from here; a changed rank moves figures after
    `manage.py recompute_tallies`.
    """

    rank = models.PositiveSmallIntegerField(
        unique=True, help_text="Higher ranks give the provisional best figure."
    )

    class Meta(TaxonomyTerm.Meta):
        ordering = ["-rank"]


def load_taxonomy() -> reconcile.Taxonomy:
    """The side ranks and the group tree as the admin left them (one query:
    every write reads them)."""
    sides = ClaimantSide.objects.annotate(
        kind=models.Value("side"), up=models.Value(None, models.CharField())
    ).values_list("kind", "slug", "rank", "up")
    groups = VictimGroup.objects.annotate(
        kind=models.Value("group"), rank=models.Value(0)
    ).values_list("kind", "slug", "rank", "parent_id")
    rows = list(sides.order_by().union(groups.order_by(), all=True))
    return reconcile.Taxonomy(
        side_rank={slug: rank for kind, slug, rank, _ in rows if kind == "side"},
        group_parent={slug: up for kind, slug, _, up in rows if kind == "group"},
    )


def same_tree(*incident_ids: int) -> bool:
    roots = Incident.objects.filter(pk__in=incident_ids).values_list("root_id")
    return roots.distinct().count() == 1


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


class ClaimQuerySet(ServiceWrittenQuerySet):
    def active(self):
        return self.filter(retracted_at__isnull=True)

    def visible_to(self, user, *, include_retracted=False):
        """Claims on incidents the user may read; retracted ones only on request."""
        claims = self.filter(readable_by(user, through="incident__"))
        return claims if include_retracted else claims.active()

    def feeding(self, tally: "Tally"):
        """The claims a tally is made of: its own and, at any depth, its parts'.

        Parts are the sub-incidents and subgroups whose sums bound the tally
        (rule 4), so an editor reviewing a whole sees what its parts rest on.
        """
        groups = VictimGroup.objects.below(tally.group_id)
        return self.filter(
            outcome=tally.outcome_id,
            group__in=groups,
            incident__path__startswith=tally.incident.path,
        )


class Claim(ServiceWritten, Versioned, Retractable):
    """One casualty figure as one claimant asserted it, with its provenance."""

    WRITTEN_BY = "casualties.services (create_claim, update_claim, retract_claim)"

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
    party = models.ForeignKey(
        Actor,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Whose dead these are, where the claimant names the party "
        "(a claimant's figures for different parties count together).",
    )
    reports = models.ManyToManyField(
        Report, blank=True, related_name="claims", through="ClaimReport"
    )
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
        max_length=500,
        blank=True,
        help_text='As worded: "at least 108", "dozens".',
        validators=[no_markup],
    )
    asserted_at = models.DateTimeField(
        null=True, blank=True, validators=[plausible_date]
    )
    period_start = models.DateTimeField(
        null=True, blank=True, validators=[plausible_date]
    )
    period_end = models.DateTimeField(
        null=True, blank=True, validators=[plausible_date]
    )
    period_label = models.CharField(
        max_length=100,
        blank=True,
        help_text='The period as worded: "over 48 hours".',
        validators=[no_markup],
    )
    supersedes = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        db_index=False,  # the claim_supersedes index
        on_delete=models.PROTECT,
        related_name="superseded_by",
        help_text="An earlier claim by the same claimant that this one replaces.",
    )
    assessment = models.CharField(
        max_length=12, choices=Assessment, default=Assessment.UNASSESSED
    )
    assessment_note = models.TextField(blank=True, validators=[no_markup])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    history = History()
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
        if self.incident_id is not None and not same_tree(
            earlier.incident_id, self.incident_id
        ):
            return {
                "supersedes": "A claim can only supersede one about the same "
                "incident or another part of its tree."
            }
        seen = {self.pk}
        while earlier is not None:
            if earlier.pk in seen:
                return {"supersedes": "Supersession cannot go round in a circle."}
            seen.add(earlier.pk)
            earlier = earlier.supersedes
        return {}


# The fields whose change can move a tally (rule 1 to 6 inputs).
TALLY_INPUT_FIELDS = (
    "incident_id",
    "group_id",
    "outcome_id",
    "side_id",
    "claimant_id",
    "party_id",
    "low",
    "high",
    "point",
    "asserted_at",
    "supersedes_id",
    "assessment",
    "retracted_at",
)


class ClaimReport(ServiceWritten):
    """A report a claim was read in; its source counts in the claim's tallies."""

    WRITTEN_BY = "casualties.services (the claim's reports=)"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="+")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")

    # `claim.reports.add()` and friends write through this manager, so they are
    # refused outside the services like any other write that moves a tally.
    history = History(indexed=["claim"])
    objects = ServiceWrittenQuerySet.as_manager()

    class Meta:
        db_table = "casualties_claim_reports"
        # By the columns: ordering by the relations would join their tables.
        ordering = ["claim_id", "report_id", "id"]
        unique_together = [("claim", "report")]

    def __str__(self):
        return f"claim {self.claim_id} in report {self.report_id}"


# The two sets of figures SPEC rule 9 keeps.
WORKING = "working"
PUBLISHED = "published"


def figures_for(user) -> str:
    """Which figures a user reads: the working ones for those who may read drafts."""
    if can_read_drafts(user):
        return WORKING
    return PUBLISHED


class TallyQuerySet(ServiceWrittenQuerySet):
    def figures(self, which: str):
        """The rows of the working or the published figures."""
        return self.filter(scope__in=Tally.Scope.covering(which))

    def visible_to(self, user):
        """The figures this user reads, of the incidents this user may read."""
        return self.figures(figures_for(user)).filter(
            readable_by(user, through="incident__")
        )

    def needing_review(self):
        return self.filter(status__in=[Tally.Status.NEEDS_REVIEW, Tally.Status.STALE])

    def review_queue(self):
        """Working tallies waiting for an editor, the longest-waiting first."""
        return self.figures(WORKING).needing_review().order_by("updated_at", "id")


class TallyStatus(models.TextChoices):
    AUTO = "auto", "Automatic"
    NEEDS_REVIEW = "needs_review", "Needs review"
    REVIEWED = "reviewed", "Reviewed"
    STALE = "stale", "Stale (changed since review)"


class TallyFigures(models.Model):
    """The figures of one tally, as stored and as its history keeps them."""

    low = models.PositiveBigIntegerField()
    best = models.PositiveBigIntegerField()
    high = models.PositiveBigIntegerField(null=True, blank=True)
    by_side = models.JSONField(default=dict, blank=True)
    disputed = models.BooleanField(default=False)
    inconsistent = models.BooleanField(default=False)
    unattributed = models.PositiveBigIntegerField(default=0)
    claims = models.PositiveIntegerField(default=0)
    sources = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=12, choices=TallyStatus, default=TallyStatus.AUTO
    )

    class Meta:
        abstract = True

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


class Tally(ServiceWritten, TallyFigures, Versioned):
    """The reconciled figure for one incident, victim group and outcome.

    Stored and kept current by `casualties.engine` on every write, so that
    reading tallies never recomputes them. Each key has working figures (drafts
    included) and published ones (SPEC rule 9); where they agree, as they do
    wherever a tree holds no draft, one row serves both.
    """

    WRITTEN_BY = "casualties.engine"

    class Scope(models.TextChoices):
        BOTH = "both", "Working and published"
        WORKING = "working", "Working only (drafts included)"
        PUBLISHED = "published", "Published only"

        @classmethod
        def covering(cls, which: str) -> list[str]:
            return [cls.BOTH, which]

    Status = TallyStatus

    scope = models.CharField(max_length=9, choices=Scope, default=Scope.BOTH)
    # Indexed by the constraints and indexes below, not one index per column.
    # No foreign-key checks in the database: only the engine writes these rows,
    # from incidents and taxonomy rows it has just read (incidents are never
    # deleted, and the ORM's PROTECT still guards the taxonomy rows), and the
    # checks cost a fifth of a rebuild.
    incident = models.ForeignKey(
        Incident,
        on_delete=models.PROTECT,
        related_name="tallies",
        db_index=False,
        db_constraint=False,
    )
    group = models.ForeignKey(
        VictimGroup,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    outcome = models.ForeignKey(
        Outcome,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    review = models.ForeignKey(
        "TallyReview",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tallies",
        db_index=False,
        help_text="The editor's review of this key, if there is one.",
    )

    objects = TallyQuerySet.as_manager()

    class Meta:
        ordering = ["incident", "group", "outcome", "id"]
        verbose_name_plural = "tallies"
        permissions = [("review_tally", "Can review tallies")]
        indexes = [
            models.Index(
                fields=["group", "outcome", "incident"], name="tally_group_outcome"
            ),
            # The review queue and `?disputed=true` look for few rows among many.
            models.Index(
                fields=["status", "updated_at"],
                condition=Q(status__in=["needs_review", "stale"]),
                name="tally_waiting",
            ),
            # By incident: `?disputed=true` and the dashboard ask, incident by
            # incident, whether one of its tallies in these figures is disputed.
            models.Index(
                fields=["incident", "scope"],
                condition=Q(disputed=True),
                name="tally_disputed_incident",
            ),
            models.Index(
                fields=["review"],
                condition=Q(review__isnull=False),
                name="tally_reviewed",
            ),
        ]
        constraints = [
            *(
                models.UniqueConstraint(
                    fields=["incident", "group", "outcome"],
                    condition=Q(scope__in=["both", which]),
                    name=f"tally_one_{which}_per_key",
                    violation_error_message=(
                        f"There is already a {which} tally for this incident, "
                        "group and outcome."
                    ),
                )
                for which in (WORKING, PUBLISHED)
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
        ]

    def __str__(self):
        high = "open" if self.high is None else self.high
        figures = f"{self.low}-{self.best}-{high}"
        return f"{self.incident_id} {self.group_id}/{self.outcome_id}: {figures}"

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.incident_id, self.group_id, self.outcome_id)


class TallyReview(ServiceWritten):
    """An editor's accepted figures for one incident, group and outcome (rule 7).

    Kept apart from the tallies so that one review holds for the working and
    the published figures alike, and so that it outlives them: when every
    claim under it is set aside the tally goes, and the review applies again
    when a claim counts once more.
    """

    WRITTEN_BY = "casualties.services.review_tally"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(VictimGroup, on_delete=models.PROTECT, related_name="+")
    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="+")
    best = models.PositiveBigIntegerField()
    low = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Empty: keep the computed low."
    )
    high = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Empty: keep the computed high."
    )
    rationale = models.TextField(validators=[no_markup])
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField()
    # A counted claim under the review changed since the editor looked, in
    # the working or the published figures (each shows it as `stale`).
    stale_working = models.BooleanField(default=False)
    stale_published = models.BooleanField(default=False)

    history = History(indexed=["incident"])

    class Meta:
        ordering = ["incident", "group", "outcome", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "group", "outcome"],
                name="review_one_per_key",
                violation_error_message="This tally is already reviewed.",
            ),
            models.CheckConstraint(
                condition=~Q(rationale=""),
                name="review_has_rationale",
                violation_error_message="A reviewed figure needs a rationale.",
            ),
        ]

    def __str__(self):
        return f"{self.incident_id} {self.group_id}/{self.outcome_id}: {self.best}"

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.incident_id, self.group_id, self.outcome_id)

    def as_review(self) -> reconcile.Review:
        return reconcile.Review(best=self.best, low=self.low, high=self.high)

    def is_stale(self, which: str) -> bool:
        return self.stale_working if which == WORKING else self.stale_published


class TallyChangeQuerySet(ServiceWrittenQuerySet):
    def as_of(self, when, *, incident, which: str = PUBLISHED) -> list["TallyChange"]:
        """The tallies of an incident as they stood at `when`, in these figures.

        Each row's latest change at or before `when`, unless that change
        removed it or gave it to the other figures.
        """
        latest: dict[int, TallyChange] = {}
        changes = (
            self.filter(incident=incident, at__lte=when)
            .select_related("group", "outcome")
            .order_by("at", "id")
        )
        for change in changes:
            latest[change.tally_id] = change
        covering = Tally.Scope.covering(which)
        # The table's order: outcomes, then groups, as their rows are placed.
        return sorted(
            (
                change
                for change in latest.values()
                if change.kind != TallyChange.Kind.REMOVED and change.scope in covering
            ),
            key=lambda change: (
                change.outcome.position,
                change.outcome_id,
                change.group.position,
                change.group_id,
            ),
        )


class TallyChange(TallyFigures):
    """One change of one stored tally, and the write that caused it.

    The engine appends these beside every tally row it creates, changes or
    removes, rebuilds and imports included, so a tally can be shown as it
    stood on any past date and every figure can be traced to a claim or a
    review. Plain columns rather than django-simple-history: the rows are
    written in bulk with the tallies and carry their cause.
    """

    WRITTEN_BY = "casualties.engine"

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        CHANGED = "changed", "Changed"
        REMOVED = "removed", "Removed"

    class Cause(models.TextChoices):
        CLAIM = "claim", "A claim was written"
        REVIEW = "review", "A review was written"
        INCIDENT = "incident", "An incident moved, or was published or retracted"
        RECOMPUTE = "recompute", "A full recompute"
        IMPORT = "import", "An import"

    tally_id = models.BigIntegerField(help_text="The row; it may since be removed.")
    scope = models.CharField(max_length=9, choices=Tally.Scope)
    incident = models.ForeignKey(
        Incident,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    group = models.ForeignKey(
        VictimGroup,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    outcome = models.ForeignKey(
        Outcome,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=7, choices=Kind)
    at = models.DateTimeField()
    cause = models.CharField(max_length=9, choices=Cause)
    cause_id = models.BigIntegerField(
        null=True, blank=True, help_text="The claim, review or incident."
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )

    objects = TallyChangeQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(
                fields=["incident", "group", "outcome", "at"], name="tally_change_key"
            ),
        ]

    def __str__(self):
        return f"tally {self.tally_id} {self.kind} by {self.cause} {self.cause_id}"


class TallyRebuild(models.Model):
    """How far a full recompute got, so that a killed run resumes there."""

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    done_through = models.BigIntegerField(
        default=0, help_text="The last top-level incident whose tree is rebuilt."
    )

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self):
        state = "finished" if self.finished_at else f"at {self.done_through}"
        return f"recompute of {self.started_at:%Y-%m-%d %H:%M} ({state})"


# --- sums per month, for the dashboard and stats/ (casualties.summary) ----------


class SummaryKey(models.Model):
    """Where a summary row's incidents lie: their month, country and province
    (ids at depth 0 and 1 of the location path; none without a location),
    and their standing (the incident's effective status)."""

    month = models.DateField()
    country_id = models.BigIntegerField(null=True)
    admin1_id = models.BigIntegerField(null=True)
    status = models.CharField(max_length=9)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.month:%Y-%m} {self.country_id}/{self.admin1_id} {self.status}"


class FigureSum(SummaryKey):
    """The tallies of top-level incidents of one key, summed: one figure set
    (working or published), group and outcome."""

    figures = models.CharField(max_length=9)
    group_id = models.CharField(max_length=40)
    outcome_id = models.CharField(max_length=40)
    incidents = models.IntegerField()
    low = models.BigIntegerField()
    best = models.BigIntegerField()
    high = models.BigIntegerField()  # of the closed highs; `open` counts the rest
    open = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["figures", "outcome_id", "group_id", "status", "month"],
                name="figuresum_read",
            ),
            models.Index(fields=["month"], name="figuresum_month"),
        ]


class SideSum(SummaryKey):
    """One side's intervals (`by_side`) of the same tallies, summed."""

    figures = models.CharField(max_length=9)
    group_id = models.CharField(max_length=40)
    outcome_id = models.CharField(max_length=40)
    side_id = models.CharField(max_length=40)
    incidents = models.IntegerField()
    low = models.BigIntegerField()
    high = models.BigIntegerField()
    open = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["figures", "outcome_id", "status", "month"],
                name="sidesum_read",
            ),
            models.Index(fields=["month"], name="sidesum_month"),
        ]


class IncidentSum(SummaryKey):
    """The incidents of one key, at one level (top-level or part), counted."""

    top_level = models.BooleanField()
    incidents = models.IntegerField()
    mapped = models.IntegerField()  # with a location that has coordinates
    disputed_working = models.IntegerField()  # with a disputed tally
    disputed_published = models.IntegerField()
    waiting = models.IntegerField()  # working tallies waiting for an editor
    first = models.DateField()
    last = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["month"], name="incidentsum_month")]


class SummaryMonth(models.Model):
    """A month whose sums are stored, and the PostgreSQL snapshot they were
    read in: a change committed outside that snapshot makes them stale."""

    month = models.DateField(primary_key=True)
    snapshot = models.TextField()

    def __str__(self):
        return f"{self.month:%Y-%m} as of {self.snapshot}"
