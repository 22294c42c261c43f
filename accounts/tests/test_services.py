import re

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import services
from accounts.exceptions import CannotDeactivateSelf, EmailTaken, InvalidResetLink, LastSuperAdmin
from accounts.models import Role, User
from accounts.tokens import token_pair_for
from magnetiq.exceptions import InvalidInput
from magnetiq.models import OutboundEmail

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _link_parts(body: str) -> tuple[str, str]:
    """The ``uid`` and ``token`` of a reset or invitation e-mail, English or German."""
    match = re.search(r"uid=(\S+) (?:and|und) token=(\S+) ", body)
    assert match, body
    return match.group(1), match.group(2)


def _expected_link(user: User) -> tuple[str, str, str]:
    """``(uid, token, url)`` the e-mail must carry: the token is valid until the password changes."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return uid, token, settings.PASSWORD_RESET_URL.format(uid=uid, token=token)


def test_user_create_normalises_email_and_refuses_duplicates():
    user = services.user_create(email="  Jane@Example.COM ", role=Role.EDITOR, password=PASSWORD)
    assert user.email == "jane@example.com"
    assert user.check_password(PASSWORD)
    with pytest.raises(EmailTaken):
        services.user_create(email="JANE@example.com")


def test_user_create_rejects_weak_password_and_bad_role():
    with pytest.raises(ValidationError) as exc:
        services.user_create(email="weak@example.com", password="short")
    assert "password" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.user_create(email="role@example.com", role="emperor")
    assert "role" in exc.value.message_dict
    assert not User.objects.filter(email__in=["weak@example.com", "role@example.com"]).exists()


def test_user_create_without_password_has_unusable_one():
    user = services.user_create(email="nopw@example.com")
    assert not user.has_usable_password()


def test_invitation_sent_after_commit_and_link_sets_password(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        user = services.user_create(email="new@example.com", role=Role.EDITOR, send_invitation=True)
        assert mail.outbox == []
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.com"]
    assert mail.outbox[0].subject == "Your Magnetiq account"
    uid, token = _link_parts(mail.outbox[0].body)
    assert f"/accounts/reset-password/{uid}/{token}/" in mail.outbox[0].body
    services.user_reset_password(uid=uid, token=token, new_password="A-New-Passphrase-42")
    user.refresh_from_db()
    assert user.check_password("A-New-Passphrase-42")
    with pytest.raises(InvalidResetLink):
        services.user_reset_password(uid=uid, token=token, new_password="Another-Passphrase-43")


def test_non_super_admin_cannot_grant_or_touch_super_admin(super_admin, admin_user):
    with pytest.raises(PermissionDenied):
        services.user_create(email="x@example.com", role=Role.SUPER_ADMIN, actor=admin_user)
    with pytest.raises(PermissionDenied):
        services.user_update(user=super_admin, actor=admin_user, first_name="Mallory")
    with pytest.raises(PermissionDenied):
        services.user_deactivate(user=super_admin, actor=admin_user)
    other = services.user_create(email="y@example.com", role=Role.SUPER_ADMIN, actor=super_admin)
    assert other.is_superuser


def test_role_change_moves_group_and_flags(admin_user):
    user = UserFactory(role=Role.EDITOR)
    user = services.user_update(user=user, actor=admin_user, role=Role.CLIENT)
    assert (user.role, user.is_staff, user.is_superuser) == (Role.CLIENT, False, False)
    assert list(user.groups.values_list("name", flat=True)) == ["client"]
    assert not User.objects.get(pk=user.pk).has_perm("content.view_page")


def test_last_super_admin_cannot_be_demoted_or_deactivated(super_admin):
    with pytest.raises(LastSuperAdmin):
        services.user_update(user=super_admin, role=Role.ADMIN)
    with pytest.raises(LastSuperAdmin):
        services.user_deactivate(user=super_admin)
    second = UserFactory(role=Role.SUPER_ADMIN)
    services.user_update(user=super_admin, role=Role.ADMIN)
    with pytest.raises(LastSuperAdmin):
        services.user_deactivate(user=second)


def test_user_cannot_deactivate_themself(admin_user):
    with pytest.raises(CannotDeactivateSelf):
        services.user_deactivate(user=admin_user, actor=admin_user)


def test_deactivate_soft_deletes_and_blacklists_refresh_tokens(admin_user):
    user = UserFactory()
    token_pair_for(user)
    token_pair_for(user)
    user = services.user_deactivate(user=user, actor=admin_user)
    assert user.is_active is False
    assert user.deleted_at is not None
    assert BlacklistedToken.objects.filter(token__user=user).count() == 2
    assert OutstandingToken.objects.filter(user=user).count() == 2
    user = services.user_reactivate(user=user, actor=admin_user)
    assert (user.is_active, user.deleted_at) == (True, None)


def test_change_password_checks_current_and_revokes_tokens(password):
    user = UserFactory()
    token_pair_for(user)
    with pytest.raises(InvalidInput) as exc:
        services.user_change_password(user=user, current_password="wrong", new_password="A-New-Passphrase-42")
    assert exc.value.details[0]["field"] == "current_password"
    with pytest.raises(ValidationError) as exc:
        services.user_change_password(user=user, current_password=password, new_password="123")
    assert "new_password" in exc.value.message_dict
    services.user_change_password(user=user, current_password=password, new_password="A-New-Passphrase-42")
    user.refresh_from_db()
    assert user.check_password("A-New-Passphrase-42")
    assert BlacklistedToken.objects.filter(token__user=user).count() == 1


def test_request_password_reset_mails_only_known_active_users(django_capture_on_commit_callbacks):
    user = UserFactory(email="known@example.com")
    gone = UserFactory(email="gone@example.com")
    services.user_deactivate(user=gone)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.user_request_password_reset(email="KNOWN@example.com") is None
        assert services.user_request_password_reset(email="unknown@example.com") is None
        assert services.user_request_password_reset(email="gone@example.com") is None
    assert [m.to for m in mail.outbox] == [["known@example.com"]]
    uid, token = _link_parts(mail.outbox[0].body)
    services.user_reset_password(uid=uid, token=token, new_password="Reset-Passphrase-77")
    user.refresh_from_db()
    assert user.check_password("Reset-Passphrase-77")


@pytest.mark.parametrize(("uid", "token"), [("!!", "x"), ("MTIzNDU2", "abc-def"), ("", "")])
def test_reset_password_rejects_bad_links(uid, token):
    UserFactory()
    with pytest.raises(InvalidResetLink):
        services.user_reset_password(uid=uid, token=token, new_password="Reset-Passphrase-77")


def test_password_reset_mail_in_english(django_capture_on_commit_callbacks):
    user = UserFactory(email="ada@example.com", first_name="Ada")
    uid, token, url = _expected_link(user)
    with django_capture_on_commit_callbacks(execute=True):
        services.user_send_password_reset(user=user)
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.subject == "Reset your Magnetiq password"
    assert message.body == (
        "Hello Ada,\n\n"
        "someone asked to reset the password of your Magnetiq account. To choose a new password, open this link:\n\n"
        f"{url}\n\n"
        f"Or send uid={uid} and token={token} to POST /api/v1/auth/reset-password.\n\n"
        "The link works once and expires in 72 hours. If you did not ask for it, ignore this e-mail.\n"
    )
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert '<html lang="en">' in html
    assert f'<p><a href="{url}">Choose a new password</a></p>' in html
    assert "<p>The link works once and expires in 72 hours. If you did not ask for it, ignore this e-mail.</p>" in html
    row = OutboundEmail.objects.get()
    assert (row.template, row.language, row.to) == ("accounts/email/password_reset", "en", ["ada@example.com"])


def test_password_reset_mail_in_german_and_its_link_works(django_capture_on_commit_callbacks):
    user = UserFactory(email="ada@example.com", first_name="Ada")
    uid, token, url = _expected_link(user)
    with django_capture_on_commit_callbacks(execute=True), translation.override("de"):
        services.user_send_password_reset(user=user)
    [message] = mail.outbox
    assert message.subject == "Magnetiq-Passwort zurücksetzen"
    assert message.body == (
        "Hallo Ada,\n\n"
        "jemand hat das Zurücksetzen des Passworts Ihres Magnetiq-Kontos angefordert. Um ein neues Passwort zu "
        "wählen, öffnen Sie diesen Link:\n\n"
        f"{url}\n\n"
        f"Oder senden Sie uid={uid} und token={token} per POST an /api/v1/auth/reset-password.\n\n"
        "Der Link funktioniert einmal und läuft in 72 Stunden ab. Wenn Sie das nicht angefordert haben, "
        "ignorieren Sie diese E-Mail.\n"
    )
    [(html, _)] = message.alternatives
    assert '<html lang="de">' in html
    assert f'<p><a href="{url}">Neues Passwort wählen</a></p>' in html
    assert OutboundEmail.objects.get().language == "de"
    assert _link_parts(message.body) == (uid, token)
    services.user_reset_password(uid=uid, token=token, new_password="Reset-Passphrase-77")
    user.refresh_from_db()
    assert user.check_password("Reset-Passphrase-77")


@pytest.mark.parametrize(
    ("timeout", "english", "german"),
    [
        (3600, "expires in 1 hour.", "läuft in 1 Stunde ab."),
        (2 * 3600, "expires in 2 hours.", "läuft in 2 Stunden ab."),
    ],
)
def test_link_expiry_is_a_proper_plural(settings, django_capture_on_commit_callbacks, timeout, english, german):
    settings.PASSWORD_RESET_TIMEOUT = timeout
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.user_send_password_reset(user=user)
        with translation.override("de"):
            services.user_invite(user=user)
    reset, invitation = mail.outbox
    assert f"The link works once and {english}" in reset.body
    assert f"Der Link funktioniert einmal und {german}" in invitation.body


@pytest.mark.parametrize(("active", "expected"), [("de-at", "de"), ("fr", "en"), ("en", "en")])
def test_mail_language_is_the_active_one_the_site_offers(django_capture_on_commit_callbacks, active, expected):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True), translation.override(active):
        services.user_send_password_reset(user=user)
    subjects = {"en": "Reset your Magnetiq password", "de": "Magnetiq-Passwort zurücksetzen"}
    assert [m.subject for m in mail.outbox] == [subjects[expected]]
    assert OutboundEmail.objects.get().language == expected


def test_invitation_in_german_names_the_role(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), translation.override("de"):
        user = services.user_create(email="nina@example.com", first_name="Nina", role=Role.EDITOR, send_invitation=True)
    uid, token, url = _expected_link(user)
    [message] = mail.outbox
    assert message.subject == "Ihr Magnetiq-Konto"
    assert message.body == (
        "Hallo Nina,\n\n"
        "für nina@example.com wurde ein Magnetiq-Konto (Redakteur) eingerichtet. Um Ihr Passwort festzulegen, "
        "öffnen Sie diesen Link:\n\n"
        f"{url}\n\n"
        f"Oder senden Sie uid={uid} und token={token} per POST an /api/v1/auth/reset-password.\n\n"
        "Der Link funktioniert einmal und läuft in 72 Stunden ab.\n"
    )
    [(html, _)] = message.alternatives
    assert f'<p><a href="{url}">Passwort festlegen</a></p>' in html
    row = OutboundEmail.objects.get()
    assert (row.template, row.language) == ("accounts/email/invitation", "de")


def test_invitation_in_english_names_the_role_and_address(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = services.user_create(email="max@example.com", role=Role.PAYMENT_MANAGER, send_invitation=True)
    uid, token, url = _expected_link(user)
    # No first name: the greeting uses the address (User.get_short_name).
    assert mail.outbox[0].body == (
        "Hello max@example.com,\n\n"
        "you have been given a Magnetiq account (Payment manager) for max@example.com. To set your password, "
        "open this link:\n\n"
        f"{url}\n\n"
        f"Or send uid={uid} and token={token} to POST /api/v1/auth/reset-password.\n\n"
        "The link works once and expires in 72 hours.\n"
    )


def test_rolled_back_invitation_records_and_sends_nothing(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.user_create(email="gone@example.com", send_invitation=True)
        assert OutboundEmail.objects.count() == 1
        raise RuntimeError("rolled back")
    assert callbacks == []
    assert OutboundEmail.objects.count() == 0
    assert mail.outbox == []


def test_manager_create_superuser_follows_role():
    user = User.objects.create_superuser("boss@example.com", PASSWORD)
    assert (user.role, user.is_staff, user.is_superuser) == (Role.SUPER_ADMIN, True, True)
    assert list(user.groups.values_list("name", flat=True)) == ["super_admin"]
