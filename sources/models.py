"""Outlets and the documents analysts read casualty figures in."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.history import History
from core.validators import no_markup, plausible_date
from incidents.base import Retractable, Undeletable, Versioned
from incidents.models import Actor


class Source(Versioned, Undeletable):
    """An outlet that publishes reports, with the actor it speaks for, if any."""

    class Kind(models.TextChoices):
        WIRE = "wire", "Wire service"
        BROADCASTER = "broadcaster", "Broadcaster"
        NEWSPAPER = "newspaper", "Newspaper / online news"
        GOVERNMENT = "government", "Government office"
        MILITARY = "military", "Military / security forces media"
        ARMED_GROUP = "armed_group", "Armed group media"
        SOCIAL_MEDIA = "social_media", "Social-media account"
        NGO = "ngo", "NGO / international organisation"
        OTHER = "other", "Other"

    class Reliability(models.TextChoices):
        """Admiralty source-reliability grades."""

        A = "A", "A: completely reliable"
        B = "B", "B: usually reliable"
        C = "C", "C: fairly reliable"
        D = "D", "D: not usually reliable"
        E = "E", "E: unreliable"
        F = "F", "F: reliability cannot be judged"

    name = models.CharField(max_length=200, unique=True, validators=[no_markup])
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.OTHER)
    affiliation = models.ForeignKey(
        Actor,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sources",
        help_text="The actor this outlet speaks for, if any.",
    )
    reliability = models.CharField(
        max_length=1, choices=Reliability, default=Reliability.F
    )
    url = models.URLField(blank=True)

    history = History()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reliability__in=list("ABCDEF")),
                name="source_reliability_grade",
                violation_error_message="Reliability is a grade from A to F.",
            )
        ]

    def __str__(self):
        return self.name


class Report(Versioned, Retractable):
    """One document from a source: an article, a statement, a post."""

    class Credibility(models.IntegerChoices):
        """Admiralty information-credibility grades."""

        CONFIRMED = 1, "1: confirmed by other sources"
        PROBABLY_TRUE = 2, "2: probably true"
        POSSIBLY_TRUE = 3, "3: possibly true"
        DOUBTFUL = 4, "4: doubtful"
        IMPROBABLE = 5, "5: improbable"
        CANNOT_JUDGE = 6, "6: truth cannot be judged"

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="reports")
    url = models.URLField(max_length=1000, blank=True)
    title = models.CharField(max_length=500, validators=[no_markup])
    published_at = models.DateTimeField(
        null=True, blank=True, db_index=True, validators=[plausible_date]
    )
    language = models.CharField(max_length=10, default="en")
    excerpt = models.TextField(blank=True, validators=[no_markup])
    archive_url = models.URLField(max_length=1000, blank=True)
    credibility = models.PositiveSmallIntegerField(
        choices=Credibility, default=Credibility.CANNOT_JUDGE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    history = History()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(
                fields=["source", "published_at"], name="report_source_published"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(credibility__gte=1, credibility__lte=6),
                name="report_credibility_grade",
                violation_error_message="Credibility is a grade from 1 to 6.",
            ),
            models.CheckConstraint(
                condition=Q(retracted_at__isnull=True) | ~Q(retraction_reason=""),
                name="report_retraction_has_reason",
                violation_error_message="Say why the report is retracted.",
            ),
        ]

    def __str__(self):
        return f"{self.source}: {self.title}"


class IncidentReport(models.Model):
    """A report read about an incident, whether or not it gives figures yet:
    the incident page lists it and "Add claims" offers it. A report cited by
    a claim is about that claim's incident already; this link is for the
    report added on its own (sources.services.add_report)."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, related_name="report_links"
    )
    report = models.ForeignKey(
        Report, on_delete=models.PROTECT, related_name="incident_links"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "report"], name="incident_report_once"
            )
        ]
        indexes = [models.Index(fields=["report"], name="incident_report_report")]

    def __str__(self) -> str:
        return f"report {self.report_id} on incident {self.incident_id}"
