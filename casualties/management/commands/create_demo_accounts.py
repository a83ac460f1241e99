"""Create the demo accounts of `make run` and print their credentials."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from casualties.demo import create_demo_accounts


class Command(BaseCommand):
    help = "Create one demo account per role (known passwords: local demos only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Create them even with DEBUG off.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Demo accounts have published passwords; with DEBUG off this "
                "refuses to create them. Pass --force if you mean it."
            )
        accounts = create_demo_accounts()
        rule = "-" * 60
        self.stdout.write(rule)
        self.stdout.write("Demo accounts (local use only):")
        for role, username, password in accounts:
            self.stdout.write(
                f"  {role:<11} username: {username:<11} password: {password}"
            )
        self.stdout.write(rule)
