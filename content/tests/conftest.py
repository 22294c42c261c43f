import pytest
from django.contrib.auth.models import Group, Permission

from accounts.models import Role, User

CONTENT_PERMISSIONS = [
    f"{action}_{model}" for model in ("page", "mediaasset") for action in ("view", "add", "change", "delete")
]


@pytest.fixture
def content_group(db) -> Group:
    """A group holding every content model permission (the real role groups are built by accounts)."""
    group = Group.objects.create(name="content-editors-test")
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="content", codename__in=CONTENT_PERMISSIONS)
    )
    return group


@pytest.fixture
def editor(content_group) -> User:
    # A client role holds no permissions: every right comes from the test group.
    user = User.objects.create_user("editor@example.com", "Correct-Horse-9", is_staff=True, role=Role.CLIENT)
    user.groups.add(content_group)
    return user


@pytest.fixture
def outsider(db) -> User:
    """Staff flag set, but no content permission (a client role's group is empty)."""
    return User.objects.create_user("outsider@example.com", "Correct-Horse-9", is_staff=True, role=Role.CLIENT)


@pytest.fixture
def editor_client(api_client, editor):
    api_client.force_authenticate(editor)
    return api_client
