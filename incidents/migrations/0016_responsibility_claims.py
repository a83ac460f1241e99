"""An incident's claims of responsibility become rows of their own, so that
several parties (competing claims included) can each be recorded with how
and in which report. The one claim an incident held moves into the new
table with its history: each change of the old fields becomes the history
row it would have been (added, changed, removed), with its author and time.
"""

import core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


def move_claims(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    HistoricalIncident = apps.get_model("incidents", "HistoricalIncident")
    Claim = apps.get_model("incidents", "ResponsibilityClaim")
    HistoricalClaim = apps.get_model("incidents", "HistoricalResponsibilityClaim")
    current = {}
    rows = Incident.objects.filter(responsibility_claimed_by__isnull=False)
    for incident_id, actor_id, how in rows.values_list(
        "id", "responsibility_claimed_by_id", "responsibility_claim"
    ).iterator(chunk_size=5000):
        current[incident_id] = Claim(
            incident_id=incident_id, actor_id=actor_id, how=how
        )
    made = list(current.values())
    for start in range(0, len(made), 2000):
        Claim.objects.bulk_create(made[start : start + 2000])
    touched = HistoricalIncident.objects.filter(
        responsibility_claimed_by__isnull=False
    ).values("id")
    history = (
        HistoricalIncident.objects.filter(id__in=touched)
        .order_by("id", "history_date", "history_id")
        .values_list(
            "id",
            "history_date",
            "history_user_id",
            "history_type",
            "responsibility_claimed_by_id",
            "responsibility_claim",
        )
    )
    written, incident_id, steps = [], None, []
    for row in history.iterator(chunk_size=5000):
        if row[0] != incident_id:
            written += _history(HistoricalClaim, Claim, incident_id, steps, current)
            incident_id, steps = row[0], []
        steps.append(row[1:])
        if len(written) >= 2000:
            HistoricalClaim.objects.bulk_create(written)
            written = []
    written += _history(HistoricalClaim, Claim, incident_id, steps, current)
    HistoricalClaim.objects.bulk_create(written, batch_size=2000)


def _history(HistoricalClaim, Claim, incident_id, steps, current) -> list:
    """The history rows one incident's old fields stand for. A claim by
    another party is another row: the old one removed, the new one added."""
    if incident_id is None:
        return []
    kept = current.get(incident_id)
    incarnations = []  # [actor, [(date, user, type, how), ...]]
    state = None
    for date, user, kind, actor, how in steps:
        if kind == "-":
            continue
        new = (actor, how or "") if actor else None
        if new == state:
            continue
        if state is not None and (new is None or new[0] != state[0]):
            incarnations[-1][1].append((date, user, "-", state[1]))
        if new is not None and (state is None or new[0] != state[0]):
            incarnations.append([new[0], [(date, user, "+", new[1])]])
        elif new is not None:
            incarnations[-1][1].append((date, user, "~", new[1]))
        state = new
    rows = []
    for number, (actor, changes) in enumerate(incarnations):
        last = number == len(incarnations) - 1
        if last and kept is not None and kept.actor_id == actor:
            pk = kept.pk
        else:  # a claim since removed: an id of its own, from the table's sequence
            gone = Claim.objects.create(incident_id=incident_id, actor_id=actor)
            pk = gone.pk
            gone.delete()
        rows += [
            HistoricalClaim(
                id=pk,
                incident_id=incident_id,
                actor_id=actor,
                how=how,
                report_id=None,
                history_date=date,
                history_user_id=user,
                history_type=kind,
            )
            for date, user, kind, how in changes
        ]
    return rows


def back_to_one(apps, schema_editor):
    """Back to one field: each incident keeps its first claim (the others
    have no place there)."""
    Incident = apps.get_model("incidents", "Incident")
    Claim = apps.get_model("incidents", "ResponsibilityClaim")
    first = {}
    for incident_id, actor_id, how in Claim.objects.order_by("-id").values_list(
        "incident_id", "actor_id", "how"
    ):
        first[incident_id] = (actor_id, how)
    for incident_id, (actor_id, how) in first.items():
        Incident.objects.filter(pk=incident_id).update(
            responsibility_claimed_by_id=actor_id, responsibility_claim=how
        )


def grant(apps, schema_editor):
    """Readers read the claims; analysts and editors write them (casualties
    0003_roles gives the other rows of an incident the same way)."""
    from django.contrib.auth.management import create_permissions

    config = apps.get_app_config("incidents")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codes = {
        "researcher": ["view"],
        "analyst": ["view", "add", "change"],
        "editor": ["view", "add", "change"],
    }
    for group in Group.objects.filter(name__in=codes):
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="incidents",
                codename__in=[f"{c}_responsibilityclaim" for c in codes[group.name]],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("casualties", "0003_roles"),
        ("incidents", "0015_list_covering_index"),
        ("sources", "0005_incident_report"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalResponsibilityClaim",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "how",
                    models.TextField(
                        blank=True,
                        help_text="How responsibility was claimed (statement, videos, ...).",
                        max_length=5000,
                        validators=[core.validators.no_markup],
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                        max_length=1,
                    ),
                ),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="incidents.actor",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "incident",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="incidents.incident",
                    ),
                ),
                (
                    "report",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="sources.report",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical responsibility claim",
                "verbose_name_plural": "historical responsibility claims",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="ResponsibilityClaim",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "how",
                    models.TextField(
                        blank=True,
                        help_text="How responsibility was claimed (statement, videos, ...).",
                        max_length=5000,
                        validators=[core.validators.no_markup],
                    ),
                ),
                (
                    "actor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="responsibility_claims",
                        to="incidents.actor",
                    ),
                ),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="responsibility_claims",
                        to="incidents.incident",
                    ),
                ),
                (
                    "report",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="responsibility_claims",
                        to="sources.report",
                    ),
                ),
            ],
            options={
                "ordering": ["incident", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("incident", "actor"),
                        name="responsibility_claim_once",
                        violation_error_message="This party's claim is already recorded here.",
                    )
                ],
            },
        ),
        migrations.RunPython(move_claims, back_to_one),
        migrations.RunPython(grant, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="historicalincident",
            name="responsibility_claim",
        ),
        migrations.RemoveField(
            model_name="historicalincident",
            name="responsibility_claimed_by",
        ),
        migrations.RemoveField(
            model_name="incident",
            name="responsibility_claim",
        ),
        migrations.RemoveField(
            model_name="incident",
            name="responsibility_claimed_by",
        ),
    ]
