"""Pin what each serializer reads and writes (RELIABILITY A-10: no mass assignment, no hash leak)."""

from accounts.api import serializers as s


def _writable(serializer) -> set[str]:
    return {name for name, field in serializer.fields.items() if not field.read_only}


def test_user_output_is_read_only_and_has_no_password():
    fields = s.UserOutputSerializer().fields
    assert set(fields) == {
        "id",
        "email",
        "role",
        "profile",
        "is_active",
        "is_staff",
        "is_superuser",
        "last_login",
        "created_at",
        "updated_at",
        "deleted_at",
    }
    assert _writable(s.UserOutputSerializer()) == set()


def test_writable_fields_of_inputs():
    assert _writable(s.UserCreateInputSerializer()) == {"email", "profile", "role", "password", "send_invitation"}
    assert _writable(s.UserUpdateInputSerializer()) == {"email", "profile", "role", "is_active"}
    assert _writable(s.MeUpdateInputSerializer()) == {"profile"}
    assert _writable(s.ProfileSerializer()) == {"first_name", "last_name"}
    assert _writable(s.LoginInputSerializer()) == {"email", "password"}
