"""The account holder's own erasure (``accounts.services.user_erase``)."""

import pytest
from allauth.account.models import EmailAddress

from accounts.exceptions import LastSuperAdmin
from accounts.models import Role, User
from accounts.services import user_erase
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_erase_keeps_an_anonymous_inactive_row():
    user = UserFactory(email="clara@example.com", role=Role.CLIENT, first_name="Clara", last_name="Client")
    EmailAddress.objects.create(user=user, email="clara@example.com", verified=True, primary=True)
    user_erase(user=user)
    erased = User.objects.get(pk=user.pk)
    assert erased.email == f"erased-{user.pk}@erased.invalid"
    assert (erased.first_name, erased.last_name, erased.is_active) == ("", "", False)
    assert erased.deleted_at is not None and not erased.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists()
    user_erase(user=erased)  # idempotent
    assert User.objects.get(pk=user.pk).email == erased.email


def test_the_last_super_admin_cannot_erase_themself():
    admin = UserFactory(email="root@example.com", role=Role.SUPER_ADMIN)
    with pytest.raises(LastSuperAdmin):
        user_erase(user=admin)
    assert User.objects.get(pk=admin.pk).is_active
