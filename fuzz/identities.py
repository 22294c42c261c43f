"""``python -m fuzz.identities``: create the fuzz run's users and print their access tokens.

Run with the fuzz run's environment (``DJANGO_SETTINGS_MODULE=magnetiq.settings.fuzz`` and its
``DATABASE_URL``), after the migrations. Prints one JSON object on stdout,
``{"client": "<JWT>", "super_admin": "<JWT>"}``: RS256 access tokens minted directly with simplejwt
(no login, so a second login step for staff changes nothing here), valid for ``JWT_ACCESS_MINUTES``.
The users have no usable password, so no fuzzed login or password change can reach them.
"""

import json

import django


def main() -> None:
    django.setup()
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts import services
    from accounts.models import Role, User

    tokens = {}
    for role, email in ((Role.CLIENT, "fuzz-client@magnetiq.local"), (Role.SUPER_ADMIN, "fuzz-admin@magnetiq.local")):
        user = User.objects.filter(email=email).first() or services.user_create(
            email=email, role=role, first_name="Fuzz", last_name=str(role.label)
        )
        tokens[str(role)] = str(RefreshToken.for_user(user).access_token)
    print(json.dumps(tokens))


if __name__ == "__main__":
    main()
