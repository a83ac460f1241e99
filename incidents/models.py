"""Incidents, where they happened, who took part and what was attacked."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.history import History
from core.validators import no_markup, plausible_date
from incidents.base import (
    ServiceWritten,
    ServiceWrittenQuerySet,
    TaxonomyTerm,
    TreeNode,
    Undeletable,
    Versioned,
)


class IncidentType(TaxonomyTerm):
    """A kind of incident (attack, clash, raid, abduction, sabotage, ...)."""

    class Meta(TaxonomyTerm.Meta):
        pass


class TargetCategory(TaxonomyTerm):
    """A category of what was attacked (civilians, police, prison, rail, ...)."""

    class Meta(TaxonomyTerm.Meta):
        verbose_name_plural = "target categories"


class LocationQuerySet(models.QuerySet):
    def below(self, location: "Location"):
        """The location and every place inside it."""
        return self.filter(path__startswith=location.path)


class Location(TreeNode, Versioned):
    """A gazetteer entry: country > admin1 > admin2 > place, WGS84 coordinates."""

    class Kind(models.TextChoices):
        COUNTRY = "country", "Country"
        ADMIN1 = "admin1", "Province / first-level division"
        ADMIN2 = "admin2", "District / second-level division"
        PLACE = "place", "Place"

    name = models.CharField(max_length=200, validators=[no_markup])
    kind = models.CharField(max_length=10, choices=Kind)
    code = models.CharField(
        max_length=10,
        unique=True,
        null=True,
        blank=True,
        help_text="ISO 3166 code where one exists (PK, PK-BA).",
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    objects = LocationQuerySet.as_manager()

    history = History()

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            # The bbox filter of the incident list.
            models.Index(fields=["longitude", "latitude"], name="location_lon_lat"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90),
                name="location_latitude_range",
                violation_error_message="Latitude must be between -90 and 90.",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True)
                | Q(longitude__gte=-180, longitude__lte=180),
                name="location_longitude_range",
                violation_error_message="Longitude must be between -180 and 180.",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="location_coordinates_paired",
                violation_error_message="Give both latitude and longitude, or neither.",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")),
                name="location_not_own_parent",
                violation_error_message="A location cannot be its own parent.",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.latitude is not None and not -90 <= self.latitude <= 90:
            errors["latitude"] = "Latitude must be between -90 and 90."
        if self.longitude is not None and not -180 <= self.longitude <= 180:
            errors["longitude"] = "Longitude must be between -180 and 180."
        if (self.latitude is None) != (self.longitude is None):
            field = "longitude" if self.longitude is None else "latitude"
            errors[field] = "Give both latitude and longitude, or neither."
        if errors:
            raise ValidationError(errors)
        self.clean_parent()

    @property
    def country(self) -> "Location | None":
        """The country this location lies in (itself for a country)."""
        ids = self.ancestor_ids() + [self.pk]
        return Location.objects.filter(pk__in=ids, kind=self.Kind.COUNTRY).first()


class Outline(models.Model):
    """A province's boundary on the map (incidents.interop.outlines).

    Kept apart from Location so that the incident lists, which read
    locations, and the locations' history never carry polygons. Written by
    `load_gazetteer` only; the map reads it by bounding box.
    """

    location = models.OneToOneField(
        Location, primary_key=True, on_delete=models.CASCADE, related_name="outline"
    )
    geometry = models.TextField(help_text="GeoJSON Polygon or MultiPolygon.")
    west = models.FloatField()
    south = models.FloatField()
    east = models.FloatField()
    north = models.FloatField()

    def __str__(self):
        return f"Outline of {self.location_id}"


class Actor(Versioned):
    """A party: state forces, a non-state armed group or another actor."""

    class Kind(models.TextChoices):
        POLICE = "police", "Police"
        PARAMILITARY = "paramilitary", "Paramilitary"
        MILITARY = "military", "Military"
        MINISTRY = "ministry", "Ministry / government office"
        GOVERNMENT = "government", "Government"
        ARMED_GROUP = "armed_group", "Non-state armed group"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True, validators=[no_markup])
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.OTHER)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        help_text="The actor this one belongs to (a ministry to its government).",
    )
    country = models.ForeignKey(
        Location,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        limit_choices_to={"kind": Location.Kind.COUNTRY},
        related_name="+",
    )
    aliases = models.JSONField(
        default=list,
        blank=True,
        help_text="Other names, as a list of strings.",
        validators=[no_markup],
    )

    history = History()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")),
                name="actor_not_own_parent",
                violation_error_message="An actor cannot belong to itself.",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if not isinstance(self.aliases, list) or not all(
            isinstance(alias, str) for alias in self.aliases
        ):
            raise ValidationError({"aliases": "Aliases must be a list of names."})
        seen, actor = set(), self.parent
        while actor is not None:
            if actor.pk == self.pk or actor.pk in seen:
                raise ValidationError({"parent": "An actor cannot belong to itself."})
            seen.add(actor.pk)
            actor = actor.parent


class IncidentQuerySet(ServiceWrittenQuerySet):
    def top_level(self):
        return self.filter(parent__isnull=True)

    def published(self):
        """Published, and so is every incident above it (SPEC rule 9)."""
        return self.filter(effective_status=Incident.Status.PUBLISHED)

    def visible_to(self, user, *, include_retracted=False):
        """Drafts only for those who may read them; retracted only on request.

        A record is judged with the incidents above it (`effective_status`):
        the parts of a draft umbrella are drafts to readers, and the parts of
        a retracted one are withdrawn with it.
        """
        return self.filter(readable_by(user, include_retracted=include_retracted))

    def below(self, incident: "Incident"):
        """The incident and all its sub-incidents."""
        return self.filter(path__startswith=incident.path)


def can_read_drafts(user) -> bool:
    """Analysts and editors read drafts, and the working figures with them
    (SPEC section 7): the one test of it, which every door asks."""
    return user.is_authenticated and user.has_perm("incidents.view_draft_incident")


def readable_by(user, *, include_retracted=False, through: str = "") -> Q:
    """The condition of `IncidentQuerySet.visible_to`, on the incident a row
    reaches through `through` ("incident__"): the tallies and claims that
    user may read are filtered on the incident they join anyway, where a
    subquery (`incident__in=...visible_to(user)`) joined the incidents a
    second time, 17 of the 20 ms of the top-level tallies' count at 400,000
    incidents."""
    status = f"{through}effective_status"
    if can_read_drafts(user):
        if include_retracted:
            return Q()
        return ~Q(**{status: Incident.Status.RETRACTED})
    return Q(**{status: Incident.Status.PUBLISHED})


class Incident(ServiceWritten, TreeNode, Versioned, Undeletable):
    """One thing that happened at one place and time, or an umbrella over several."""

    WRITTEN_BY = "incidents.services"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETRACTED = "retracted", "Retracted"

    class DatePrecision(models.TextChoices):
        DAY = "day", "Day"
        WEEK = "week", "Week"
        MONTH = "month", "Month"
        YEAR = "year", "Year"

    class LocationPrecision(models.TextChoices):
        EXACT = "exact", "Exact"
        NEAR = "near", "Near"
        DISTRICT = "district", "District"
        PROVINCE = "province", "Province"
        COUNTRY = "country", "Country"

        @classmethod
        def approximate(cls, value: str) -> bool:
            """A point that stands for an area (a district's, a province's or a
            country's representative point), not the place itself."""
            return value in (cls.DISTRICT, cls.PROVINCE, cls.COUNTRY)

    title = models.CharField(max_length=300, validators=[no_markup])
    summary = models.TextField(blank=True, validators=[no_markup])
    type = models.ForeignKey(IncidentType, on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField(db_index=True, validators=[plausible_date])
    end_date = models.DateField(null=True, blank=True, validators=[plausible_date])
    date_precision = models.CharField(
        max_length=5, choices=DatePrecision, default=DatePrecision.DAY
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    location_precision = models.CharField(
        max_length=10, choices=LocationPrecision, default=LocationPrecision.EXACT
    )
    actors = models.ManyToManyField(Actor, through="IncidentActor", related_name="+")
    status = models.CharField(
        max_length=10, choices=Status, default=Status.DRAFT, db_index=True
    )
    retraction_reason = models.TextField(blank=True, validators=[no_markup])
    # Where an imported incident came from: the dataset and its own event id
    # (incidents.interop); blank for incidents entered here.
    dataset = models.CharField(
        max_length=20, blank=True, editable=False, help_text="e.g. ucdp-ged, acled."
    )
    external_id = models.CharField(
        max_length=50, blank=True, editable=False, help_text="The dataset's event id."
    )
    # Kept by `stamp_subtree` for the write services: the tree an incident lies
    # in (what a tally write locks) and its status as readers meet it.
    root = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.DO_NOTHING,
        related_name="+",
        help_text="The top-level incident of the tree this one lies in.",
    )
    effective_status = models.CharField(
        max_length=10,
        choices=Status,
        default=Status.DRAFT,
        editable=False,
        db_index=True,
        help_text="The least public of its own status and its ancestors'.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    # root and effective_status follow from parent and status; their history is
    # the history of those.
    history = History(excluded_fields=["root", "effective_status"])
    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-id"]
        permissions = [
            ("view_draft_incident", "Can read draft incidents"),
            ("publish_incident", "Can publish and retract incidents"),
        ]
        indexes = [
            # The lists' order, and where a `cursor` page starts; the
            # standings let a deep page's ids come from the index alone.
            models.Index(
                fields=["start_date", "id"],
                include=["effective_status", "status"],
                name="incident_start_id",
            ),
            # The same for readers of published figures only (researchers,
            # the public), whose lists are all of this one predicate: page
            # 3,000 of 100 skips 300,000 entries without testing each one's
            # standing (PostgreSQL: 47 ms by the index above, 15 by this).
            models.Index(
                fields=["start_date", "id"],
                condition=Q(effective_status="published"),
                name="incident_public_start_id",
            ),
            # The top-level incidents readers of published figures see: the
            # tallies of the whole events (`tallies/?top_level=true`), counted
            # and paged without reading the parts (nine in ten incidents at
            # 400,000, 20 ms of that count by the index above).
            models.Index(
                fields=["start_date", "id"],
                condition=Q(effective_status="published", parent__isnull=True),
                name="incident_public_top_start_id",
            ),
            models.Index(fields=["parent", "start_date"], name="incident_parent_start"),
            models.Index(
                fields=["location", "start_date"], name="incident_location_start"
            ),
            models.Index(fields=["type", "start_date"], name="incident_type_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="incident_end_not_before_start",
                violation_error_message="The end date cannot be before the start date.",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")),
                name="incident_not_own_parent",
                violation_error_message="An incident cannot be its own parent.",
            ),
            models.CheckConstraint(
                condition=~Q(status="retracted") | ~Q(retraction_reason=""),
                name="incident_retraction_has_reason",
                violation_error_message="Say why the incident is retracted.",
            ),
            models.UniqueConstraint(
                fields=["dataset", "external_id"],
                condition=~Q(external_id=""),
                name="incident_external_id_unique",
                violation_error_message="An incident already has this external id.",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_retracted(self) -> bool:
        return self.status == self.Status.RETRACTED

    def clean(self):
        errors = {}
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = "The end date cannot be before the start date."
        if self.status == self.Status.RETRACTED and not self.retraction_reason.strip():
            errors["retraction_reason"] = "Say why the incident is retracted."
        if errors:
            raise ValidationError(errors)
        self.clean_parent()

    def stamp_subtree(self) -> None:
        """Set `root` and `effective_status` here and everywhere below.

        Called by the write services after a create, a move or a change of
        status, with the tree locked; the subtree is read once and written
        with one UPDATE per distinct pair of values (usually one or two).
        """
        above = self.parent_id and (
            Incident.objects.filter(pk=self.parent_id)
            .values_list("effective_status", flat=True)
            .first()
        )
        rows = (
            Incident.objects.filter(path__startswith=self.path)
            .order_by("depth")
            .values_list("pk", "parent_id", "status", "root_id", "effective_status")
        )
        root = int(self.path.strip("/").split("/")[0])
        effective = {self.parent_id: above or self.Status.PUBLISHED}
        changes: dict[tuple[int, str], list[int]] = {}
        for pk, parent_id, status, old_root, old_effective in rows:
            effective[pk] = less_public(status, effective[parent_id])
            if (old_root, old_effective) != (root, effective[pk]):
                changes.setdefault((root, effective[pk]), []).append(pk)
        # A row whose standing changed is updated for readers too: a mirror
        # syncing with `updated_since` learns that a part went with its whole.
        now = timezone.now()
        for (root_id, status), pks in changes.items():
            Incident.objects.filter(pk__in=pks).update(
                root_id=root_id, effective_status=status, updated_at=now
            )
        self.root_id, self.effective_status = root, effective[self.pk]


# The order of publicity: a part is no more public than the whole it lies in.
PUBLICITY = {
    Incident.Status.PUBLISHED: 0,
    Incident.Status.DRAFT: 1,
    Incident.Status.RETRACTED: 2,
}


def less_public(status: str, other: str) -> str:
    return max(status, other, key=PUBLICITY.__getitem__)


class IncidentActor(models.Model):
    """An actor's part in an incident."""

    class Role(models.TextChoices):
        PERPETRATOR = "perpetrator", "Perpetrator"
        SUSPECTED_PERPETRATOR = "suspected_perpetrator", "Suspected perpetrator"
        RESPONDING_FORCE = "responding_force", "Responding force"
        TARGET = "target", "Targeted party"
        PARTY = "party", "Party to the fighting"
        OTHER = "other", "Other"

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="actor_roles"
    )
    actor = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="incident_roles"
    )
    role = models.CharField(max_length=30, choices=Role)

    # Recorded row by row: the incident's history shows who added or removed it.
    history = History(indexed=["incident"])

    class Meta:
        ordering = ["incident", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "actor", "role"],
                name="incident_actor_role_unique",
                violation_error_message="This actor already has that role here.",
            )
        ]

    def __str__(self):
        return f"{self.actor} ({self.get_role_display()})"


class ResponsibilityClaim(models.Model):
    """A party's claim to have carried out the incident, and how it was made.

    Several groups may claim the same attack, and competing claims are
    recorded side by side: who did it is not settled by who said so.
    """

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="responsibility_claims"
    )
    actor = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="responsibility_claims"
    )
    how = models.TextField(
        blank=True,
        max_length=5000,
        help_text="How responsibility was claimed (statement, videos, ...).",
        validators=[no_markup],
    )
    # The report that carries the claim; hung on the incident when it is named.
    report = models.ForeignKey(
        "sources.Report",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responsibility_claims",
    )

    # Recorded row by row: the incident's history shows who added or removed it.
    history = History(indexed=["incident"])

    class Meta:
        ordering = ["incident", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "actor"],
                name="responsibility_claim_once",
                violation_error_message="This party's claim is already recorded here.",
            )
        ]

    def __str__(self):
        return f"{self.actor} claimed responsibility"


class Target(models.Model):
    """What was attacked in an incident: a category and a free description."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="targets"
    )
    category = models.ForeignKey(
        TargetCategory, on_delete=models.PROTECT, related_name="targets"
    )
    description = models.CharField(max_length=300, blank=True, validators=[no_markup])

    history = History(indexed=["incident"])

    class Meta:
        ordering = ["incident", "category", "id"]

    def __str__(self):
        return self.description or str(self.category)


class ImportRun(models.Model):
    """One run of an importer over one file: who, which file, when, and what it
    did (the summary the command prints and the import page shows)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"

    dataset = models.CharField(max_length=20)
    file_name = models.CharField(max_length=300)
    # An upload from the web, kept until its background task has read it.
    upload = models.FileField(upload_to="imports/", blank=True)
    draft = models.BooleanField(default=False, help_text="Imported as drafts.")
    status = models.CharField(max_length=8, choices=Status, default=Status.RUNNING)
    error = models.TextField(blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    # [{"line": 12, "id": "59553", "reasons": ["..."]}, ...]
    flagged = models.JSONField(default=list, blank=True)
    refused = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.dataset} {self.file_name} ({self.started_at:%Y-%m-%d %H:%M})"


class ImportRecord(models.Model):
    """A source row as the dataset gave it, kept beside the incident made from
    it: figures a row states inconsistently (UCDP low above best) are kept here
    as given, and the digest tells a rerun what changed."""

    dataset = models.CharField(max_length=20)
    external_id = models.CharField(max_length=50)
    incident = models.OneToOneField(
        Incident, on_delete=models.PROTECT, related_name="import_record"
    )
    digest = models.CharField(max_length=64)
    row = models.JSONField(help_text="The source row, column by column, as given.")
    flags = models.JSONField(default=list, blank=True)
    run = models.ForeignKey(
        ImportRun,
        on_delete=models.PROTECT,
        related_name="records",
        help_text="The run that last created or changed it.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "external_id"], name="import_record_unique"
            )
        ]

    def __str__(self):
        return f"{self.dataset}:{self.external_id}"
