"""One owner per table (docs/architecture.md "Dependencies between apps"): only the app that owns a
model writes it, through its services, so the owner's change history and audit see every change.

The check reads each project app's non-test code with :mod:`ast` and lists every write to a model
of another app:
``Model.objects….update/create/delete/bulk_*/get_or_create/update_or_create(…)`` on a model imported
from another app, and ``<name>.save()``/``.delete()`` where ``<name>`` is that model's name in snake
case or its last word (``consultation_booking`` or ``booking`` for ``ConsultationBooking``). Reads
(``filter``, ``get``, ``select_for_update``) stay allowed. The layers between apps are import-linter's
contract in ``pyproject.toml``.
"""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
WRITE_METHODS = {"update", "create", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
INSTANCE_WRITES = {"save", "delete"}


def _project_apps() -> dict[str, Path]:
    """``{app label: directory}`` of the apps that live in this repository."""
    return {
        config.label: Path(config.path)
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT) and (Path(config.path) / "models.py").exists()
    }


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _instance_names(model_name: str) -> set[str]:
    """Variable names a module uses for an instance of ``model_name``: its snake case and its last
    word (``consultation_booking``, ``booking``)."""
    snake = _snake(model_name)
    return {snake, snake.rsplit("_", 1)[-1]}


def _foreign_models(tree: ast.Module, own_label: str, labels: set[str]) -> dict[str, tuple[str, str]]:
    """``{local name: (owner label, model name)}`` of the models this module imports from another
    project app."""
    found = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or not node.module or node.level:
            continue
        owner = node.module.split(".")[0]
        if owner == own_label or owner not in labels:
            continue
        for alias in node.names:
            try:
                apps.get_model(owner, alias.name)
            except LookupError:
                continue
            found[alias.asname or alias.name] = (owner, alias.name)
    return found


def _chain_root(node: ast.expr) -> ast.expr:
    """The innermost receiver of ``A.objects.filter(…).update`` (``A``)."""
    while isinstance(node, ast.Call | ast.Attribute):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


def _uses_objects(node: ast.expr) -> bool:
    while isinstance(node, ast.Call | ast.Attribute):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            return True
        node = node.func if isinstance(node, ast.Call) else node.value
    return False


def _offenders_in(source: str, where: str, own_label: str, labels: set[str]) -> list[str]:
    """The foreign writes in ``source`` (the module ``where`` of app ``own_label``), one line each."""
    tree = ast.parse(source, filename=where)
    models = _foreign_models(tree, own_label, labels)
    instances = {name: model for model in models.values() for name in _instance_names(model[1])}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method, receiver = node.func.attr, node.func.value
        root = _chain_root(receiver)
        if method in WRITE_METHODS and isinstance(root, ast.Name) and root.id in models and _uses_objects(receiver):
            owner, model = models[root.id]
            found.append(f"{where}:{node.lineno} {model}.objects….{method}() ({owner} owns it)")
        elif method in INSTANCE_WRITES:
            name = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", None)
            if name in instances:
                owner, model = instances[name]
                found.append(f"{where}:{node.lineno} {name}.{method}() on a {model} ({owner} owns it)")
    return found


def _offenders() -> list[str]:
    project = _project_apps()
    found = []
    for label, directory in sorted(project.items()):
        for path in sorted(directory.rglob("*.py")):
            parts = path.relative_to(directory).parts
            if "tests" in parts or "migrations" in parts:
                continue
            found.extend(_offenders_in(path.read_text(), str(path.relative_to(ROOT)), label, set(project)))
    return found


def test_no_app_writes_another_apps_models():
    offenders = _offenders()
    assert offenders == [], "Write through the owning app's services:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "from bookings.models import ConsultationBooking\n"
            "ConsultationBooking.objects.filter(pk=1).update(status='x')\n",
            ["payments/probe.py:2 ConsultationBooking.objects….update() (bookings owns it)"],
        ),
        (
            "from consultants.models import Consultant\ndef f(consultant):\n    consultant.save()\n",
            ["payments/probe.py:3 consultant.save() on a Consultant (consultants owns it)"],
        ),
        (
            "from bookings.models import ConsultationBooking as B\ndef f(p):\n    p.booking.save()\n",
            ["payments/probe.py:3 booking.save() on a ConsultationBooking (bookings owns it)"],
        ),
        ("from bookings.models import ConsultationBooking\nConsultationBooking.objects.filter(pk=1).first()\n", []),
        ("from payments.models import Payment\nPayment.objects.create(amount=1)\n", []),
    ],
)
def test_the_scan_finds_foreign_writes_and_nothing_else(source, expected):
    """The scanner itself: a foreign write is listed with its line; reads and own writes are not."""
    assert _offenders_in(source, "payments/probe.py", "payments", set(_project_apps())) == expected
