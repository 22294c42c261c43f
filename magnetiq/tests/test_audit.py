import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from magnetiq.audit import log_action
from magnetiq.models import AuditLogEntry

pytestmark = pytest.mark.django_db


def test_log_action_records_actor_target_and_data():
    staff = User.objects.create_user("staff@example.com", "pw", role="admin")
    target = User.objects.create_user("target@example.com", "pw")
    log_action(target, "accounts.user.deactivated", actor=staff, data={"reason": "left"})
    log_action(target, "accounts.user.viewed", actor=AnonymousUser())
    entries = list(AuditLogEntry.objects.for_object(target))
    assert [(e.action, e.actor, e.data) for e in entries] == [
        ("accounts.user.viewed", None, {}),
        ("accounts.user.deactivated", staff, {"reason": "left"}),
    ]
    assert entries[0].target == target


def test_audit_admin_is_read_only(admin_client):
    log_action(User.objects.create_user("t@example.com", "pw"), "accounts.user.created")
    assert admin_client.get("/admin/magnetiq/auditlogentry/").status_code == 200
    assert admin_client.get("/admin/magnetiq/auditlogentry/add/").status_code == 403
