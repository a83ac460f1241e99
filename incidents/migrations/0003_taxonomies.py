"""The incident-type and target-category vocabularies (editable by admins)."""

from django.db import migrations

INCIDENT_TYPES = [
    ("attack", "Attack"),
    ("coordinated-attack", "Coordinated attack"),
    ("armed-clash", "Armed clash"),
    ("raid", "Raid"),
    ("bombing", "Bombing / explosion"),
    ("suicide-attack", "Suicide attack"),
    ("targeted-killing", "Targeted killing"),
    ("abduction", "Abduction"),
    ("sabotage", "Sabotage"),
    ("prison-break", "Prison break"),
    ("security-operation", "Security operation"),
    ("airstrike", "Airstrike / shelling"),
    ("other", "Other"),
]

TARGET_CATEGORIES = [
    ("civilians", "Civilians"),
    ("police", "Police"),
    ("paramilitary", "Paramilitary"),
    ("military", "Military"),
    ("prison", "Prison"),
    ("rail", "Rail"),
    ("road", "Road / highway"),
    ("government", "Government"),
    ("infrastructure", "Infrastructure"),
    ("energy", "Energy"),
    ("religious-site", "Religious site"),
    ("school", "School / education"),
    ("health", "Health facility"),
    ("business", "Business"),
    ("militants", "Militants"),
    ("other", "Other"),
]


def load(apps, schema_editor):
    for model_name, rows in (
        ("IncidentType", INCIDENT_TYPES),
        ("TargetCategory", TARGET_CATEGORIES),
    ):
        model = apps.get_model("incidents", model_name)
        for slug, name in rows:
            model.objects.update_or_create(slug=slug, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("incidents", "0002_tree_cycle_triggers")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
