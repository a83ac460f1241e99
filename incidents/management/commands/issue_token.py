"""Print a user's API token, creating it on first use.

Scripts, notebooks and R sessions authenticate with `Authorization: Token <key>`;
this is how an administrator hands one out without opening the admin.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Print USERNAME's API token (created if the user has none yet)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, **options):
        username = options["username"]
        user_model = get_user_model()
        try:
            user = user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist:
            raise CommandError(
                f"No user is named {username!r}: create the account first "
                "(manage.py createsuperuser, or the admin)."
            ) from None
        if not user.is_active:
            raise CommandError(
                f"The user {username!r} is inactive: a token would not authenticate."
            )
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
