import pytest
from django.urls import reverse

from accounts.models import Role, User

from .factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, super_admin):
    client.force_login(super_admin)
    return client


def test_changelist_search_and_filters(admin_client):
    UserFactory(email="findme@example.com", role=Role.EDITOR)
    url = reverse("admin:accounts_user_changelist")
    assert admin_client.get(url).status_code == 200
    response = admin_client.get(url, {"q": "findme"})
    assert response.status_code == 200
    assert b"findme@example.com" in response.content
    assert b"root@example.com" not in response.content
    assert (
        admin_client.get(url, {"role__exact": "editor", "is_active__exact": "1", "is_staff__exact": "1"}).status_code
        == 200
    )


def test_add_page_and_add_creates_through_service(admin_client):
    url = reverse("admin:accounts_user_add")
    page = admin_client.get(url)
    assert page.status_code == 200
    assert b'name="email"' in page.content
    assert b'name="username"' not in page.content
    response = admin_client.post(
        url,
        {"email": "Added@Example.com", "first_name": "Ad", "last_name": "Ded", "role": "editor", "password": ""},
    )
    assert response.status_code == 302
    user = User.objects.get(email="added@example.com")
    assert (user.role, user.is_staff) == (Role.EDITOR, True)
    assert list(user.groups.values_list("name", flat=True)) == ["editor"]
    assert not user.has_usable_password()


def test_add_rejects_weak_password_and_duplicate_email(admin_client):
    url = reverse("admin:accounts_user_add")
    response = admin_client.post(url, {"email": "ROOT@example.com", "role": "viewer", "password": "123"})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"email", "password"}


def test_change_page_role_change_moves_group(admin_client):
    user = UserFactory(email="change@example.com", role=Role.VIEWER)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url, {"email": "change@example.com", "first_name": "C", "last_name": "", "role": "client"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.role, user.is_staff) == (Role.CLIENT, False)
    assert list(user.groups.values_list("name", flat=True)) == ["client"]


def test_change_refusing_last_super_admin_demotion_shows_error(admin_client, super_admin):
    url = reverse("admin:accounts_user_change", args=[super_admin.pk])
    response = admin_client.post(
        url, {"email": super_admin.email, "first_name": "", "last_name": "", "role": "admin"}, follow=True
    )
    assert response.status_code == 200
    assert "The last active super admin cannot be demoted or deactivated." in [
        str(m) for m in response.context["messages"]
    ]
    super_admin.refresh_from_db()
    assert super_admin.role == Role.SUPER_ADMIN


def test_deactivate_and_reactivate_actions(admin_client, super_admin):
    user = UserFactory(email="act@example.com")
    url = reverse("admin:accounts_user_changelist")
    admin_client.post(url, {"action": "deactivate_users", "_selected_action": [user.pk, super_admin.pk]})
    user.refresh_from_db()
    super_admin.refresh_from_db()
    assert (user.is_active, user.deleted_at is not None) == (False, True)
    assert super_admin.is_active  # cannot deactivate oneself
    admin_client.post(url, {"action": "reactivate_users", "_selected_action": [user.pk]})
    user.refresh_from_db()
    assert (user.is_active, user.deleted_at) == (True, None)


def test_password_change_form_uses_service(admin_client):
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

    from accounts.tokens import token_pair_for

    user = UserFactory(email="pw@example.com")
    token_pair_for(user)
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url, {"usable_password": "true", "password1": "Admin-Set-Pass-88", "password2": "Admin-Set-Pass-88"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Admin-Set-Pass-88")
    assert BlacklistedToken.objects.filter(token__user=user).count() == 1


def test_non_super_admin_cannot_pick_super_admin_role(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("admin:accounts_user_add"))
    assert b'value="super_admin"' not in page.content
    assert b'value="editor"' in page.content
