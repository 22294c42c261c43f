"""Whitepaper test fixtures: private files in a temporary folder, staff users with permissions."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from .factories import WhitepaperFactory


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    """Every test writes its private files (PDFs, attachments) under its own temporary folder."""
    settings.WHITEPAPER_PRIVATE_ROOT = tmp_path / "private"
    settings.SITE_URL = "http://testserver"
    return settings.WHITEPAPER_PRIVATE_ROOT


@pytest.fixture
def make_staff(db):
    """``make_staff(email, "whitepapers.view_whitepaper", …)``: a user holding exactly these
    permissions through a group made here (as the roles do)."""

    def make(email: str, *perms: str):
        user = get_user_model().objects.create_user(email=email, password="x" * 12)
        user.groups.clear()
        group = Group.objects.create(name=f"test-{email}")
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        user.groups.add(group)
        return get_user_model().objects.get(pk=user.pk)

    return make


@pytest.fixture
def editor(make_staff):
    perms = [
        f"whitepapers.{verb}_{model}"
        for verb in ("view", "add", "change", "delete")
        for model in ("whitepaper", "emailsubmission")
    ]
    return make_staff("editor@magnetiq.example", *perms, "leads.view_lead")


@pytest.fixture
def whitepaper(db):
    return WhitepaperFactory()
