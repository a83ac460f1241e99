"""The researcher, analyst and editor groups with the permissions of SPEC section 7.

Admins are superusers: they manage users and taxonomies.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

READ = [
    f"{app}.view_{model}"
    for app, models in {
        "incidents": [
            "incident",
            "location",
            "actor",
            "incidentactor",
            "target",
            "incidenttype",
            "targetcategory",
        ],
        "sources": ["source", "report"],
        "casualties": ["claim", "tally", "victimgroup", "outcome", "claimantside"],
    }.items()
    for model in models
]
WRITE = [
    "incidents.view_draft_incident",
    *(
        f"{app}.{action}_{model}"
        for app, model in [
            ("incidents", "incident"),
            ("incidents", "incidentactor"),
            ("incidents", "target"),
            ("incidents", "location"),
            ("incidents", "actor"),
            ("sources", "source"),
            ("sources", "report"),
            ("casualties", "claim"),
        ]
        for action in ("add", "change")
    ),
]
EDIT = [
    "incidents.publish_incident",
    "casualties.assess_claim",
    "casualties.review_tally",
    "casualties.change_tally",
]
ROLES = {
    "researcher": READ,
    "analyst": READ + WRITE,
    "editor": READ + WRITE + EDIT,
}


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, codes in ROLES.items():
        group, _ = group_model.objects.get_or_create(name=role)
        permissions = [
            permission_model.objects.get(
                content_type__app_label=code.split(".")[0],
                codename=code.split(".")[1],
            )
            for code in codes
        ]
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("casualties", "0002_taxonomies"),
        ("incidents", "0003_taxonomies"),
        ("sources", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
