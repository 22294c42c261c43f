"""``manage.py ensure_superadmin``: make sure a super admin exists and print how to log in.

E-mail from ``SUPERADMIN_EMAIL`` (default ``admin@magnetiq.local``); password from
``SUPERADMIN_PASSWORD``, or else generated once and kept in ``var/superadmin-password.txt`` (mode
0600) so later runs print the same, still valid, credentials. Idempotent: an existing account
with that e-mail is promoted to super admin and reactivated if needed. Its password is set when
``SUPERADMIN_PASSWORD`` is given or the account has none; a password someone changed since is kept
(and not printed). Exits non-zero with a message for an invalid e-mail or a password the
validators refuse.
"""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from accounts import services
from accounts.models import Role, User
from magnetiq.exceptions import ApplicationError

DEFAULT_EMAIL = "admin@magnetiq.local"


class Command(BaseCommand):
    help = "Make sure a super admin exists (SUPERADMIN_EMAIL / SUPERADMIN_PASSWORD) and print the credentials."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password-file",
            type=Path,
            default=settings.BASE_DIR / "var" / "superadmin-password.txt",
            help="Where a generated password is kept (default: var/superadmin-password.txt).",
        )

    def handle(self, *args, password_file: Path, **options):
        email = os.environ.get("SUPERADMIN_EMAIL", "").strip().lower() or DEFAULT_EMAIL
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"SUPERADMIN_EMAIL is not a valid e-mail address: {email!r}") from None
        explicit = os.environ.get("SUPERADMIN_PASSWORD", "")
        password = explicit or self._stored_password(password_file)
        try:
            with transaction.atomic():
                user, action, password_valid = self._ensure(email, password, force_password=bool(explicit))
        except ValidationError as exc:
            raise CommandError("The super admin password was refused: " + " ".join(exc.messages)) from exc
        except (ApplicationError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from exc
        if not explicit and not password_file.exists():
            self._store_password(password_file, password)

        self.stdout.write(self.style.SUCCESS(f"Super admin {action}."))
        self.stdout.write(f"  e-mail:   {user.email}")
        if password_valid:
            self.stdout.write(f"  password: {password}")
        else:
            self.stdout.write("  password: (changed since it was set here; not shown)")
        self.stdout.write("  log in at /admin/ or POST /api/v1/auth/login")

    def _ensure(self, email: str, password: str, *, force_password: bool) -> tuple[User, str, bool]:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = services.user_create(email=email, role=Role.SUPER_ADMIN, password=password)
            return user, "created", True
        changes = []
        if user.role != Role.SUPER_ADMIN:
            user = services.user_update(user=user, role=Role.SUPER_ADMIN)
            changes.append("promoted")
        if not user.is_active or user.deleted_at is not None:
            user = services.user_reactivate(user=user)
            changes.append("reactivated")
        if user.check_password(password):
            password_valid = True
        elif force_password or not user.has_usable_password():
            user = services.user_set_password(user=user, new_password=password)
            changes.append("password set")
            password_valid = True
        else:
            password_valid = False
        return user, ("already present" if not changes else "updated: " + ", ".join(changes)), password_valid

    @staticmethod
    def _stored_password(path: Path) -> str:
        if path.exists():
            stored = path.read_text().strip()
            if not stored:
                raise CommandError(f"{path} is empty: delete it to generate a new password.")
            return stored
        return secrets.token_urlsafe(18)

    @staticmethod
    def _store_password(path: Path, password: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(password + "\n")
        path.chmod(0o600)
