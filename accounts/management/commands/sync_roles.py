"""``manage.py sync_roles``: create the role groups and set their permissions (accounts.roles)."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from accounts.roles import sync_roles


class Command(BaseCommand):
    help = "Create one group per role and set its permissions to exactly accounts.roles.ROLE_PERMISSIONS."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="Database alias (default: default).")

    def handle(self, *args, database: str, **options):
        try:
            groups = sync_roles(using=database)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        for name, group in groups.items():
            self.stdout.write(f"{name}: {group.permissions.count()} permissions")
        self.stdout.write(self.style.SUCCESS(f"Synced {len(groups)} role groups."))
