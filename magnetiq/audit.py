"""``log_action``: the one way services record a state change in the audit trail."""

from django.contrib.contenttypes.models import ContentType

from .models import AuditLogEntry


def log_action(obj, action: str, *, actor=None, data: dict | None = None) -> AuditLogEntry:
    """Record ``action`` (namespaced: ``"<app>.<model>.<verb>"``) on ``obj`` by ``actor``.

    ``actor``: a user, or ``None`` for the system, a command or an anonymous visitor (an
    ``AnonymousUser`` counts as ``None``). ``data``: a small JSON-serialisable dict. Call it inside
    the service's transaction so the entry exists exactly when the change does.
    """
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditLogEntry.objects.create(
        action=action,
        actor=actor,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        data=data or {},
    )
