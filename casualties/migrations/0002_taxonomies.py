"""Victim groups (a tree), outcomes and claimant sides, with the SPEC's slugs."""

from django.db import migrations

VICTIM_GROUPS = [
    ("all", "All", None),
    ("civilians", "Civilians", "all"),
    ("security-forces", "Security forces", "all"),
    ("police", "Police", "security-forces"),
    ("paramilitary", "Paramilitary", "security-forces"),
    ("military", "Military", "security-forces"),
    ("militants", "Militants", "all"),
    ("detainees", "Detainees", "all"),
    ("unknown", "Unknown", "all"),
]

OUTCOMES = [
    ("killed", "Killed"),
    ("injured", "Injured"),
    ("abducted", "Abducted"),
    ("missing", "Missing"),
    ("detained", "Detained"),
    ("freed", "Freed"),
]

# Rank decides whose figure is the provisional best (SPEC rule 3).
SIDES = [
    ("independent", "Independent", 3),
    ("official", "Official", 2),
    ("unknown", "Unknown", 1),
    ("perpetrator", "Perpetrator", 0),
]


def load(apps, schema_editor):
    group = apps.get_model("casualties", "VictimGroup")
    for slug, name, parent in VICTIM_GROUPS:
        group.objects.update_or_create(
            slug=slug, defaults={"name": name, "parent_id": parent}
        )
    outcome = apps.get_model("casualties", "Outcome")
    for slug, name in OUTCOMES:
        outcome.objects.update_or_create(slug=slug, defaults={"name": name})
    side = apps.get_model("casualties", "ClaimantSide")
    for slug, name, rank in SIDES:
        side.objects.update_or_create(slug=slug, defaults={"name": name, "rank": rank})


class Migration(migrations.Migration):
    dependencies = [("casualties", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
