"""Users holding consultant permissions, given directly or through a group made here."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission


def grant(user, *codenames: str):
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="consultants", codename__in=codenames))
    return get_user_model().objects.get(pk=user.pk)  # fresh instance: no stale permission cache


@pytest.fixture
def make_user(db):
    def make(email: str, *codenames: str):
        user = get_user_model().objects.create_user(email=email, password="x" * 12)
        # Start from no permissions at all: drop the group of the default role.
        user.groups.clear()
        return grant(user, *codenames)

    return make


@pytest.fixture
def manager(make_user):
    """A consultant manager: every consultant permission, through a group as the roles do it."""
    user = make_user("manager@magnetiq.example")
    group = Group.objects.create(name="test-consultant-managers")
    group.permissions.set(Permission.objects.filter(content_type__app_label="consultants"))
    user.groups.add(group)
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def viewer(make_user):
    return make_user("viewer@magnetiq.example", "view_consultant")
