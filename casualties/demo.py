"""Demo accounts for `make run`: one user per role with a known password.

The passwords are public (they are printed on start and written here), so these
accounts belong on a local demo database only; the management command refuses to
create them when DEBUG is off unless told to.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

# role -> (username, password); the roles are the groups of casualties 0003_roles.
DEMO_ACCOUNTS = {
    "researcher": ("researcher", "researcher-demo-2026"),
    "analyst": ("analyst", "analyst-demo-2026"),
    "editor": ("editor", "editor-demo-2026"),
    "admin": ("admin", "admin-demo-2026"),
}


@transaction.atomic
def create_demo_accounts() -> list[tuple[str, str, str]]:
    """Create or repair the demo accounts; returns (role, username, password).

    Idempotent: an account that already works as described is not saved again. One
    that exists with another password or without its role gets them back, so the
    printed credentials always log in.
    """
    accounts = []
    for role, (username, password) in DEMO_ACCOUNTS.items():
        user = _ensure_user(username, password, superuser=role == "admin")
        if role != "admin" and not user.groups.filter(name=role).exists():
            user.groups.add(Group.objects.get(name=role))
        accounts.append((role, username, password))
    return accounts


def _ensure_user(username: str, password: str, *, superuser: bool):
    user, created = get_user_model().objects.get_or_create(username=username)
    wanted = {"is_active": True}
    if superuser:
        wanted |= {"is_staff": True, "is_superuser": True}
    changed = created or not user.check_password(password)
    if changed:
        user.set_password(password)
    for field, value in wanted.items():
        if getattr(user, field) != value:
            setattr(user, field, value)
            changed = True
    if changed:
        user.save()
    return user
