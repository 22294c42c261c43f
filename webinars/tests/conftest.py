"""Fixtures of the webinar tests: staff users holding webinar permissions through a group."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

WEBINAR_PERMISSIONS = ("webinar", "webinarregistration")


@pytest.fixture
def make_staff(db):
    """``make_staff(email, *codenames)``: an active user whose only permissions are the given
    ``webinars`` codenames, held through a group made here (as the roles do it)."""

    def make(email: str, *codenames: str):
        user = get_user_model().objects.create_user(email=email, password="x" * 12, role="viewer")
        user.groups.clear()
        group = Group.objects.create(name=f"test-{email}")
        group.permissions.set(Permission.objects.filter(content_type__app_label="webinars", codename__in=codenames))
        user.groups.add(group)
        return get_user_model().objects.get(pk=user.pk)

    return make


@pytest.fixture
def manager(make_staff):
    return make_staff(
        "manager@magnetiq.example",
        *[f"{action}_{model}" for model in WEBINAR_PERMISSIONS for action in ("view", "add", "change", "delete")],
    )


@pytest.fixture
def viewer(make_staff):
    return make_staff("viewer@magnetiq.example", "view_webinar", "view_webinarregistration")


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run ``transaction.on_commit`` callbacks (the e-mail tasks) as the block exits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
