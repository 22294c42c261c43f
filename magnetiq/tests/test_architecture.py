"""One owner per table (docs/architecture.md "Dependencies between apps"): only the app that owns a
model writes it, through its services, so the owner's change history and audit see every change.

The check reads each project app's non-test code with :mod:`ast` and resolves what each name refers
to, then lists every write to a model of another app:

* the model itself, however it is reached: ``from bookings.models import ConsultationBooking as B``,
  ``from bookings import models``, ``import bookings.models`` (``bookings.models.ConsultationBooking``),
  ``apps.get_model("bookings", "ConsultationBooking")``;
* ``update/create/delete/bulk_create/bulk_update/get_or_create/update_or_create`` on its managers or
  on a queryset of it, also through a variable (``pending = B.objects.filter(…)``; ``pending.update()``);
* ``save()``/``delete()`` on an instance of it: one a function gets from the model or its manager
  (``b = B.objects.get(…)``, ``for b in B.objects.filter(…)``, ``b, _ = B.objects.get_or_create(…)``,
  ``B(…)``), a parameter annotated with it, or a relation followed from a resolved instance
  (``payment.booking`` where ``Payment.booking`` is a foreign key to it);
* writes through related managers and relations of any resolved instance (``consultant.bookings.create``),
  and, where the receiver's type is unknown, through an attribute named like a relation that only
  leads to other apps' models (``p.booking.save()``) or a variable named like an imported foreign model
  (``consultation_booking`` or ``booking`` for ``ConsultationBooking``).

Reads (``filter``, ``get``, ``select_for_update``) stay allowed. The layers between apps are
import-linter's contract in ``.importlinter``.
"""

import ast
import importlib
import re
import sys
from functools import cache
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models as django_models
from rest_framework.exceptions import APIException

from magnetiq.exceptions import ApplicationError

ROOT = Path(settings.BASE_DIR)
#: Manager and queryset methods that write rows.
WRITE_METHODS = {"update", "create", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
#: Instance methods that write its row.
INSTANCE_WRITES = {"save", "delete"}
#: Related-manager methods that write the related rows (a reverse foreign key's ``add`` sets their key).
RELATED_WRITES = {"add", "remove", "clear", "set"}
#: Manager/queryset methods whose result is still about the same model (a queryset or an instance).
SAME_MODEL_METHODS = {
    "all", "filter", "exclude", "get", "first", "last", "latest", "earliest", "select_related",
    "prefetch_related", "select_for_update", "order_by", "distinct", "only", "defer", "annotate", "alias",
    "using", "none", "reverse", "iterator", "create", "in_bulk", "get_queryset", "public", "alive",
}  # fmt: skip


def _project_apps() -> dict[str, Path]:
    """``{app label: directory}`` of the apps that live in this repository."""
    found = {}
    for config in apps.get_app_configs():
        path = Path(config.path)
        # The virtualenv may live inside the repository: its packages are not ours.
        if path.is_relative_to(ROOT) and "site-packages" not in path.parts and (path / "models.py").exists():
            found[config.label] = path
    return found


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


Model = type[django_models.Model]


@cache
def _project_models() -> tuple[Model, ...]:
    labels = set(_project_apps())
    return tuple(model for model in apps.get_models() if model._meta.app_label in labels)


@cache
def _relation_targets() -> dict[str, frozenset[Model]]:
    """``{attribute name: models it may lead to}`` over every relation of every project model
    (forward keys and many-to-many fields by name, reverse relations by accessor name)."""
    found: dict[str, set[Model]] = {}
    for model in _project_models():
        for field in model._meta.get_fields():
            if not field.is_relation or field.related_model is None or field.related_model == "self":
                continue
            name = field.get_accessor_name() if field.auto_created and not field.concrete else field.name
            if name:
                found.setdefault(name, set()).add(field.related_model)
    return {name: frozenset(targets) for name, targets in found.items()}


def _model(label: str, name: str) -> Model | None:
    try:
        return apps.get_model(label, name)
    except LookupError:
        return None


def _follow(model: Model, attr: str) -> Model | None:
    """What ``<instance or queryset of model>.<attr>`` refers to, when it is about a model: a relation
    (its model), a manager or a queryset method (the same model)."""
    if attr in SAME_MODEL_METHODS or attr in model._meta.managers_map or attr in {"_default_manager", "_base_manager"}:
        return model
    try:
        field = model._meta.get_field(attr)
    except FieldDoesNotExist:  # not a field: a reverse accessor, looked up below, or a plain attribute
        field = None
    if field is not None and field.is_relation and field.related_model not in (None, "self"):
        return field.related_model
    for related in model._meta.related_objects:
        if related.get_accessor_name() == attr:
            return related.related_model
    return None


class _Resolver:
    """What the names of one module refer to: model classes (imports, module attributes,
    ``apps.get_model``) and, per function, variables holding a model's instances or querysets."""

    def __init__(
        self, tree: ast.Module, labels: set[str], package: tuple[str, ...], imports: list[ast.AST] | None = None
    ):
        self.labels = labels
        self.models: dict[str, Model] = {}  # local name → model class
        self.modules: dict[str, str] = {}  # local name → dotted module it stands for
        if imports is None:
            imports = [node for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)]
        for node in imports:
            if isinstance(node, ast.ImportFrom):
                # Relative imports: level 1 is the module's own package (``from .models import X`` in
                # ``payments/services/refunds.py`` reads ``payments.services.models``), each further level
                # one package up.
                base = list(package[: len(package) - node.level + 1]) if node.level else []
                module = ".".join([*base, *([node.module] if node.module else [])])
                label = module.split(".")[0]
                if label not in labels:
                    continue
                for alias in node.names:
                    local = alias.asname or alias.name
                    if model := _model(label, alias.name):
                        self.models[local] = model
                    else:
                        self.modules[local] = f"{module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in labels:
                        if alias.asname:
                            self.modules[alias.asname] = alias.name
                        else:
                            self.modules[alias.name.split(".")[0]] = alias.name.split(".")[0]
        self.returns: dict[str, ast.expr] = {
            node.name: node.returns
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None
        }

    def _dotted(self, node: ast.expr) -> str | None:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id in self.modules:
            return ".".join([self.modules[node.id], *reversed(parts)])
        return None

    def model_class(self, node: ast.expr) -> Model | None:
        """The model class ``node`` names, if any."""
        if isinstance(node, ast.Name):
            return self.models.get(node.id)
        if isinstance(node, ast.Attribute) and (dotted := self._dotted(node)):
            module, _, name = dotted.rpartition(".")
            label = module.split(".")[0]
            return _model(label, name) if label in self.labels and module else None
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get_model"
            and len(node.args) == 2
            and all(isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in node.args)
        ):
            return _model(node.args[0].value, node.args[1].value)
        return None

    def returned(self, func: ast.expr) -> Model | None:
        """The model a called function is annotated to return (``def _lock(pk) -> Webinar``), for a
        function of this module or of a project module it imports (``booking_create``,
        ``services.booking_create``)."""
        if isinstance(func, ast.Name) and func.id in self.returns:
            return self.model_class(_unwrap(self.returns[func.id]))
        dotted = self.modules.get(func.id) if isinstance(func, ast.Name) else None
        if dotted is None and isinstance(func, ast.Attribute):
            dotted = self._dotted(func)
        if dotted:
            module, _, name = dotted.rpartition(".")
            return _module_returns(module, frozenset(self.labels)).get(name)
        return None

    def about(self, node: ast.expr, scope: dict[str, Model]) -> Model | None:
        """The model whose rows ``node`` (a class, manager, queryset, instance or related manager)
        stands for, resolved through ``scope`` (``{variable: model}`` of the enclosing functions)."""
        if model := self.model_class(node):
            return model
        if isinstance(node, ast.Name):
            return scope.get(node.id)
        if isinstance(node, ast.Subscript):
            return self.about(node.value, scope)
        if isinstance(node, ast.Call):
            if model := self.model_class(node.func):
                return model  # Model(...): a new instance
            if model := self.returned(node.func):
                return model
            if isinstance(node.func, ast.Name) and node.func.id == "get_object_or_404" and node.args:
                return self.about(node.args[0], scope)
            if isinstance(node.func, ast.Attribute) and node.func.attr in SAME_MODEL_METHODS:
                return self.about(node.func.value, scope)
            return None
        if isinstance(node, ast.Attribute) and (model := self.about(node.value, scope)):
            return _follow(model, node.attr)
        return None


def _unwrap(annotation: ast.expr) -> ast.expr:
    """``Model`` of ``Model | None`` or ``"Model"``."""
    if isinstance(annotation, ast.BinOp):
        return _unwrap(annotation.left)
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            return ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return annotation
    return annotation


@cache
def _module_returns(module: str, labels: frozenset[str], depth: int = 0) -> dict[str, Model]:
    """``{function name: model it returns}`` of a project module (``bookings.services``), following
    a package's re-exports (``from .checkout import payment_create_for_booking``) a few levels."""
    path = ROOT.joinpath(*module.split("."))
    file = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    if module.split(".")[0] not in labels or not file.is_file() or depth > 3:
        return {}
    tree, imports, _top = _parsed(file)
    package = tuple(module.split(".")) if file.name == "__init__.py" else tuple(module.split(".")[:-1])
    resolver = _Resolver(tree, set(labels), package, imports)
    found = {
        name: model
        for name, annotation in resolver.returns.items()
        if (model := resolver.model_class(_unwrap(annotation)))
    }
    for local, dotted in resolver.modules.items():
        origin, _, name = dotted.rpartition(".")
        if local not in found and (model := _module_returns(origin, labels, depth + 1).get(name)):
            found[local] = model
    return found


def _bind(target: ast.expr, model: Model | None, scope: dict[str, Model], *, first_of_pair: bool = False) -> None:
    if model is None:
        return
    if isinstance(target, ast.Name):
        scope[target.id] = model
    elif isinstance(target, ast.Tuple | ast.List) and first_of_pair and target.elts:
        _bind(target.elts[0], model, scope)


SCOPES = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
BINDERS = (ast.Assign, ast.AnnAssign, ast.NamedExpr, ast.For, ast.AsyncFor, ast.comprehension, ast.withitem)


class _Scope:
    """One module, class or function: its binding statements, its calls that may write, and the
    scopes nested in it (collected in one walk of the module)."""

    def __init__(self, node: ast.AST):
        self.node = node
        self.binders: list[ast.AST] = []
        self.calls: list[ast.Call] = []
        self.children: list[_Scope] = []


def _index(tree: ast.Module) -> tuple[list[ast.AST], _Scope]:
    """The module's imports (at any depth) and its tree of scopes."""
    imports: list[ast.AST] = []
    top = _Scope(tree)
    writes = WRITE_METHODS | INSTANCE_WRITES | RELATED_WRITES
    stack = [(child, top) for child in ast.iter_child_nodes(tree)]
    while stack:
        node, scope = stack.pop()
        if isinstance(node, SCOPES):
            inner = _Scope(node)
            scope.children.append(inner)
            scope = inner
        elif isinstance(node, ast.Import | ast.ImportFrom):
            imports.append(node)
        elif isinstance(node, BINDERS):
            scope.binders.append(node)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in writes:
            scope.calls.append(node)
        stack.extend((child, scope) for child in ast.iter_child_nodes(node))
    return imports, top


@cache
def _parsed(file: Path) -> tuple[ast.Module, list[ast.AST], _Scope]:
    """A project module's tree, imports and scopes, read once per test run."""
    tree = ast.parse(file.read_text(), filename=str(file))
    return (tree, *_index(tree))


def _variables(scope: _Scope, resolver: _Resolver, outer: dict[str, Model]) -> dict[str, Model]:
    """``{variable: model}`` for one scope: the enclosing scopes' variables, parameters annotated
    with a model, assignments and loop targets whose value resolves to a model's rows; repeated
    until nothing new resolves, so the order of the statements does not matter."""
    variables = dict(outer)
    function = scope.node
    if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
        args = function.args
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
            if arg.annotation is not None:
                _bind(ast.Name(arg.arg), resolver.model_class(_unwrap(arg.annotation)), variables)
    for _ in range(3):
        before = dict(variables)
        for node in scope.binders:
            if isinstance(node, ast.Assign):
                value = node.value
                pair = isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in {
                    "get_or_create", "update_or_create"
                }  # fmt: skip
                model = resolver.about(value.func.value, variables) if pair else resolver.about(value, variables)
                for target in node.targets:
                    _bind(target, model, variables, first_of_pair=pair)
            elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and node.value is not None:
                _bind(node.target, resolver.about(node.value, variables), variables)
            elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
                _bind(node.target, resolver.about(node.iter, variables), variables)
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                _bind(node.optional_vars, resolver.about(node.context_expr, variables), variables)
        if variables == before:
            break
    return variables


def _offenders_in(source: str | Path, where: str, own_label: str, labels: set[str]) -> list[str]:
    """The foreign writes in ``source`` (the text or the file of the module ``where`` of app
    ``own_label``), one line each, in source order."""
    if isinstance(source, Path):
        tree, imports, top = _parsed(source)
    else:
        tree = ast.parse(source, filename=where)
        imports, top = _index(tree)
    resolver = _Resolver(tree, labels, Path(where).with_suffix("").parts[:-1], imports)
    guessed = {
        name: model
        for model in resolver.models.values()
        if model._meta.app_label != own_label
        for name in {_snake(model.__name__), _snake(model.__name__).rsplit("_", 1)[-1]}
    }
    relations = _relation_targets()
    found: dict[tuple[int, int], str] = {}

    def foreign(model: Model | None) -> bool:
        return model is not None and model._meta.app_label != own_label and model._meta.app_label in labels

    def scan(scope: _Scope, outer: dict[str, Model]) -> None:
        variables = _variables(scope, resolver, outer)
        for child in scope.children:
            scan(child, variables)
        for node in scope.calls:
            method, receiver = node.func.attr, node.func.value
            model = resolver.about(receiver, variables)
            if model is None and method in INSTANCE_WRITES | WRITE_METHODS:
                name = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", None)
                targets = relations.get(name, frozenset()) if isinstance(receiver, ast.Attribute) else frozenset()
                if targets and all(foreign(target) for target in targets) and len(targets) == 1:
                    model = next(iter(targets))
                elif name in guessed and name not in variables:
                    model = guessed[name]
            if method in RELATED_WRITES and not (isinstance(receiver, ast.Attribute) and model is not None):
                continue
            if foreign(model):
                text = ast.unparse(receiver)
                text = text if len(text) <= 60 else text[:57] + "…"
                found[(node.lineno, node.col_offset)] = (
                    f"{where}:{node.lineno} {text}.{method}() writes {model.__name__} ({model._meta.app_label} owns it)"
                )

    scan(top, {})
    return [found[key] for key in sorted(found)]


def _offenders() -> list[str]:
    project = _project_apps()
    found = []
    for label, directory in sorted(project.items()):
        for path in sorted(directory.rglob("*.py")):
            parts = path.relative_to(directory).parts
            if "tests" in parts or "migrations" in parts:
                continue
            found.extend(_offenders_in(path, str(path.relative_to(ROOT)), label, set(project)))
    return found


def test_no_app_writes_another_apps_models():
    offenders = _offenders()
    assert offenders == [], "Write through the owning app's services:\n" + "\n".join(offenders)


P = "payments/probe.py"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "from bookings.models import ConsultationBooking\n"
            "ConsultationBooking.objects.filter(pk=1).update(status='x')\n",
            [f"{P}:2 ConsultationBooking.objects.filter(pk=1).update() writes ConsultationBooking (bookings owns it)"],
        ),
        (
            "from consultants.models import Consultant\ndef f(consultant):\n    consultant.save()\n",
            [f"{P}:3 consultant.save() writes Consultant (consultants owns it)"],
        ),
        (
            "from bookings.models import ConsultationBooking as B\ndef f(p):\n    p.booking.save()\n",
            [f"{P}:3 p.booking.save() writes ConsultationBooking (bookings owns it)"],
        ),
        # a queryset kept in a variable, an instance fetched through the manager, one from a loop
        (
            "from bookings.models import ConsultationBooking as B\n"
            "def f():\n"
            "    held = B.objects.filter(status='held')\n"
            "    held.delete()\n"
            "    one = held.select_for_update().get(pk=1)\n"
            "    one.status = 'x'\n"
            "    one.save(update_fields=['status'])\n"
            "    for each in B.objects.all():\n"
            "        each.delete()\n",
            [
                f"{P}:4 held.delete() writes ConsultationBooking (bookings owns it)",
                f"{P}:7 one.save() writes ConsultationBooking (bookings owns it)",
                f"{P}:9 each.delete() writes ConsultationBooking (bookings owns it)",
            ],
        ),
        # get_or_create's instance, a new instance, a parameter annotated with the model
        (
            "from consultants.models import Consultant\n"
            "def f(c: Consultant | None, x):\n"
            "    c.save()\n"
            "    made, _ = Consultant.objects.get_or_create(email=x)\n"
            "    made.delete()\n"
            "    Consultant(email=x).save()\n",
            [
                f"{P}:3 c.save() writes Consultant (consultants owns it)",
                f"{P}:4 Consultant.objects.get_or_create() writes Consultant (consultants owns it)",
                f"{P}:5 made.delete() writes Consultant (consultants owns it)",
                f"{P}:6 Consultant(email=x).save() writes Consultant (consultants owns it)",
            ],
        ),
        # relations followed from an own instance: a foreign key and a reverse manager
        (
            "from payments.models import Payment\n"
            "def f(pk):\n"
            "    payment = Payment.objects.get(pk=pk)\n"
            "    payment.booking.consultant.save()\n"
            "    payment.booking.changes.create(kind='x')\n"
            "    payment.refunds.create(amount=1)\n",
            [
                f"{P}:4 payment.booking.consultant.save() writes Consultant (consultants owns it)",
                f"{P}:5 payment.booking.changes.create() writes BookingChange (bookings owns it)",
            ],
        ),
        # a module, a module alias and the app registry instead of the model's name
        (
            "import bookings.models\n"
            "from consultants import models as cm\n"
            "from django.apps import apps\n"
            "bookings.models.ConsultationBooking.objects.all().update(status='x')\n"
            "cm.Consultant.objects.bulk_update([], ['slug'])\n"
            "apps.get_model('leads', 'Lead').objects.create(email='a@example.com')\n",
            [
                f"{P}:4 bookings.models.ConsultationBooking.objects.all().update() writes ConsultationBooking"
                " (bookings owns it)",
                f"{P}:5 cm.Consultant.objects.bulk_update() writes Consultant (consultants owns it)",
                f"{P}:6 apps.get_model('leads', 'Lead').objects.create() writes Lead (leads owns it)",
            ],
        ),
        ("from bookings.models import ConsultationBooking\nConsultationBooking.objects.filter(pk=1).first()\n", []),
        ("from payments.models import Payment\nPayment.objects.create(amount=1)\n", []),
        ("from payments.models import Payment\ndef f(p: Payment):\n    p.save()\n    p.refunds.all().delete()\n", []),
    ],
)
def test_the_scan_finds_foreign_writes_and_nothing_else(source, expected):
    """The scanner itself: a foreign write is listed with its line; reads and own writes are not."""
    assert _offenders_in(source, P, "payments", set(_project_apps())) == expected


def test_the_scan_sees_through_an_aliased_import_and_a_module_attribute():
    """The guard can fail: renaming the model on import or reaching it through its module does not
    hide a write."""
    source = (
        "from bookings.models import ConsultationBooking as Appointment\n"
        "import bookings.models\n"
        "def cancel_all(consultant_id):\n"
        "    Appointment.objects.filter(consultant_id=consultant_id).update(status='cancelled')\n"
        "    bookings.models.ConsultationBooking.objects.filter(consultant_id=consultant_id).delete()\n"
    )
    offenders = _offenders_in(source, "payouts/probe.py", "payouts", set(_project_apps()))
    assert [line.split(" ", 1)[0] for line in offenders] == ["payouts/probe.py:4", "payouts/probe.py:5"]
    assert all(line.endswith("writes ConsultationBooking (bookings owns it)") for line in offenders)


# --- where errors live ---------------------------------------------------------------------------

#: Modules that cannot be imported on their own in the test process (production settings refuse to
#: load without production secrets; the server entry points set up Django themselves).
UNIMPORTABLE = ("magnetiq.settings", "magnetiq.wsgi", "magnetiq.asgi")


def _import_project_modules() -> None:
    for label, directory in _project_apps().items():
        for path in directory.rglob("*.py"):
            parts = path.relative_to(directory).with_suffix("").parts
            if "tests" in parts or "migrations" in parts:
                continue
            name = ".".join([label, *parts]).removesuffix(".__init__")
            if not name.startswith(UNIMPORTABLE):
                importlib.import_module(name)


def _subclasses(base: type) -> set[type]:
    found = set()
    for subclass in base.__subclasses__():
        found |= {subclass, *_subclasses(subclass)}
    return found


def _misplaced(classes: set[type], labels: set[str]) -> list[str]:
    """The public classes of ``classes`` that a project app defines outside its ``exceptions.py``."""
    return sorted(
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in classes
        if cls.__module__.split(".")[0] in labels
        and ".tests" not in cls.__module__
        and not cls.__name__.startswith("_")
        and cls.__module__.rsplit(".", 1)[-1] != "exceptions"
    )


def test_public_errors_live_in_exceptions_modules():
    """Every public error of the project (an ``ApplicationError`` or a DRF ``APIException``) is
    defined in its app's ``exceptions.py``, where the API's error handler and translators find it;
    private control-flow exceptions inside one module (``_Rollback``) are not errors of the API."""
    _import_project_modules()
    errors = {
        cls
        for cls in _subclasses(ApplicationError) | _subclasses(APIException)
        # a class made on the fly (the next test's probes) is no module's
        if getattr(sys.modules.get(cls.__module__), cls.__name__, None) is cls
    }
    assert _misplaced(errors, set(_project_apps())) == []


def test_the_error_check_finds_a_misplaced_error():
    """The check itself: an error defined in a services module is listed; a private one is not."""
    stray = type("RefundTooLate", (ApplicationError,), {"__module__": "payments.services.refunds"})
    private = type("_Retry", (ApplicationError,), {"__module__": "payments.services.refunds"})
    placed = type("RefundTooEarly", (ApplicationError,), {"__module__": "payments.exceptions"})
    assert _misplaced({stray, private, placed}, set(_project_apps())) == ["payments.services.refunds.RefundTooLate"]
