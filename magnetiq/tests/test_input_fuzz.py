"""Hostile input on every API operation: too-deep JSON, dates at the ends of time, ids beyond 64
bits, pseudo time zones. Each once answered 500; they must get a 4xx in the error shape.

The sweeps walk the OpenAPI schema (every documented operation and query parameter), so a new
endpoint is covered the day it is documented.
"""

from datetime import time, timedelta
from functools import cache

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework import serializers

from accounts.models import Role
from accounts.tests.factories import UserFactory
from bookings.tests.factories import weekday_rules
from consultants.tests.factories import ConsultantFactory
from consulting.models import ResearcherProfile
from magnetiq.api import fields
from magnetiq.api.parsers import MAX_JSON_DEPTH, JSONTooDeep, check_json_depth, json_loads
from magnetiq.api.schema import SchemaGenerator
from magnetiq.timezones import is_known_timezone, known_timezones

pytestmark = pytest.mark.django_db

DEEP_ARRAY = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000
TOO_BIG = "9" * 23  # no 64-bit id; SQLite raises OverflowError if it reaches a query
EXTREME_VALUES = {
    "integer": [TOO_BIG, f"-{TOO_BIG}"],
    "number": [TOO_BIG, f"-{TOO_BIG}"],
    "date": ["9999-12-31", "0001-01-01"],
    "date-time": ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59-12:00"],
}


@cache
def _operations() -> list[tuple[str, str, dict]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, method.upper(), operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict)
    ]


def _kind(parameter: dict) -> str | None:
    schema = parameter.get("schema", {})
    if schema.get("format") in ("date", "date-time"):
        return schema["format"]
    return schema.get("type") if schema.get("type") in ("integer", "number") else None


@pytest.fixture
def world(api_client, settings):
    """A super admin signed in, and one public researcher (a consultant with a daily schedule)
    whose id fills every ``{id}``, so operations get past their look-ups to the input."""
    consultant = ConsultantFactory(timezone="Europe/Berlin", booking_buffer_minutes=0)
    weekday_rules(consultant, start=time(9), end=time(17), weekdays=range(7))
    ResearcherProfile.objects.create(consultant=consultant, affiliation="Uni", research_areas=["AI"])
    api_client.force_authenticate(UserFactory(role=Role.SUPER_ADMIN))
    # A 500 is a finding to list, not an exception that ends the sweep at the first one.
    api_client.raise_request_exception = False
    # The Stripe webhook is configured, so it verifies the signature instead of answering 503.
    settings.STRIPE_SECRET_KEY = "sk_test_fuzz"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_fuzz"
    return api_client, consultant


def _url(path: str, operation: dict, consultant) -> str:
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            value = str(consultant.pk) if parameter["name"] in ("id", "pk") else consultant.slug
            path = path.replace("{" + parameter["name"] + "}", value)
    return path


def _sensible(parameter: dict, consultant) -> str:
    """A valid value for a required query parameter that is not the one under test."""
    kind = _kind(parameter)
    schema = parameter.get("schema", {})
    if kind in ("integer", "number"):
        return str(consultant.pk)
    if kind == "date":
        return timezone.now().date().isoformat()
    if kind == "date-time":
        return timezone.now().isoformat()
    if schema.get("enum"):
        return str(schema["enum"][0])
    return "UTC" if parameter["name"] == "timezone" else "x"


def test_the_sweep_sees_the_operations_it_must_cover():
    operations = _operations()
    json_bodies = [op for _, _, op in operations if "application/json" in op.get("requestBody", {}).get("content", {})]
    bounded = {
        (path, parameter["name"])
        for path, _, op in operations
        for parameter in op.get("parameters", [])
        if parameter["in"] == "query" and _kind(parameter)
    }
    assert len(json_bodies) > 70
    assert {
        ("/api/v1/consulting/time-slots", "researcher_id"),
        ("/api/v1/consulting/time-slots", "from"),
        ("/api/v1/public/consultants/{id}/availability", "date"),
        ("/api/v1/public/consultants/{id}/time-slots", "to"),
        ("/api/v1/admin/payments/reports/daily", "date"),
        ("/api/v1/public/whitepapers", "author"),
        ("/api/v1/business/bookings", "date_from"),
    } <= bounded


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
def test_every_json_operation_refuses_too_deep_json_with_400(world, body):
    client, consultant = world
    failures = []
    for path, method, operation in _operations():
        if "application/json" not in operation.get("requestBody", {}).get("content", {}):
            continue
        response = client.generic(method, _url(path, operation, consultant), body, content_type="application/json")
        answer = response.json() if response.get("Content-Type", "").startswith("application/json") else {}
        error = answer.get("error") or {}
        # A webhook verifies its caller before reading the body: 400 in a plain view's own shape, or
        # the signature error of the Scoopp webhook (a DRF view, in the error envelope).
        refused = response.status_code == 400 and (
            error.get("code") in ("PARSE_ERROR", "SCOOPP_WEBHOOK_INVALID") or answer.get("status") == "error"
        )
        if not refused and response.status_code != 404:
            failures.append(f"{method} {path} → {response.status_code} {response.content[:120]!r}")
    assert failures == []


def test_every_bounded_query_parameter_refuses_extreme_values(world):
    client, consultant = world
    failures = []
    checked = 0
    for path, method, operation in _operations():
        if method != "GET":
            continue
        parameters = [p for p in operation.get("parameters", []) if p["in"] == "query"]
        for parameter in parameters:
            kind = _kind(parameter)
            if kind is None:
                continue
            others = {
                p["name"]: _sensible(p, consultant) for p in parameters if p.get("required") and p is not parameter
            }
            for value in EXTREME_VALUES[kind]:
                response = client.get(_url(path, operation, consultant), {**others, parameter["name"]: value})
                checked += 1
                if response.status_code >= 500 or (kind != "number" and response.status_code < 400):
                    failures.append(f"{path}?{parameter['name']}={value} → {response.status_code}")
    assert checked > 100
    assert failures == []


# --- the cases found by probing, one by one -----------------------------------------------------


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
def test_too_deep_json_on_a_public_endpoint_is_400_parse_error(api_client, body):
    response = api_client.generic("POST", "/api/v1/auth/login", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["success"] is False
    assert response.json()["error"]["code"] == "PARSE_ERROR"


def test_json_at_the_depth_limit_is_parsed_and_one_deeper_is_refused():
    at_limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert json_loads(at_limit) == eval(at_limit)  # noqa: S307 - a literal of brackets
    with pytest.raises(JSONTooDeep):
        json_loads("[" + at_limit + "]")
    with pytest.raises(JSONTooDeep):
        check_json_depth({"a": {"b": [{"c": 1}]}}, limit=3)
    check_json_depth({"a": {"b": [{"c": 1}]}}, limit=4)


@pytest.mark.parametrize("alt_text", ['{"en":' * 1000 + '"x"' + "}" * 1000, '{"en": "unclosed'], ids=["deep", "broken"])
def test_bad_json_in_a_multipart_translation_is_422(world, alt_text):
    client, _ = world
    upload = SimpleUploadedFile("note.txt", b"hello", content_type="text/plain")
    response = client.post("/api/v1/content/media", {"file": upload, "alt_text": alt_text}, format="multipart")
    assert response.status_code == 422, response.content[:300]
    details = {detail["field"]: detail["message"] for detail in response.json()["error"]["details"]}
    assert details["alt_text"] == 'Expected text or an object like {"en": "…", "de": "…"}.'


@pytest.mark.parametrize("secret_header", [{}, {"HTTP_X_BREVO_SECRET": "s3cret"}])
def test_too_deep_json_to_the_brevo_webhook_is_400(client, settings, secret_header):
    settings.BREVO_WEBHOOK_SECRET = "s3cret"
    response = client.post(
        "/api/v1/public/payment/webhooks/brevo", DEEP_OBJECT, content_type="application/json", **secret_header
    )
    assert response.status_code == 400
    assert response.json()["status"] == "error"


def test_too_deep_json_to_the_paypal_webhook_is_400(client):
    response = client.post("/api/v1/public/payment/webhooks/paypal", DEEP_ARRAY, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"status": "error", "message": "The body is not a PayPal event."}


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1899-12-31", "2201-01-01"])
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/public/consultants/{id}/availability?date={value}",
        "/api/v1/public/consultants/{id}/time-slots?from={value}",
        "/api/v1/public/consultants/{id}/time-slots?to={value}",
        "/api/v1/public/availability?consultant_id={id}&date={value}",
        "/api/v1/consulting/time-slots?researcher_id={id}&date={value}",
        "/api/v1/consulting/researchers/{id}/availability?date={value}",
        "/api/v1/admin/payments/reports/daily?date={value}",
        "/api/v1/admin/payments/transactions?date_from={value}",
        "/api/v1/admin/leads?created_to={value}",
        "/api/v1/business/bookings?date_from={value}",
    ],
)
def test_a_date_outside_1900_to_2200_is_422_out_of_range(world, url, value):
    client, consultant = world
    response = client.get(url.format(id=consultant.pk, value=value))
    assert response.status_code == 422, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"][0]["code"] == "out_of_range"


def test_the_first_and_last_day_of_the_range_are_accepted(world):
    client, consultant = world
    for day in ("1900-01-01", "2200-12-31"):
        response = client.get(f"/api/v1/public/consultants/{consultant.pk}/availability", {"date": day})
        assert response.status_code == 200, response.content[:300]


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00+01:00", "2201-01-01T00:00:00Z"])
def test_a_booking_at_the_ends_of_time_is_422(world, value):
    client, consultant = world
    response = client.post(
        "/api/v1/public/bookings",
        {
            "consultant_id": consultant.pk,
            "datetime": value,
            "client": {"first_name": "Ada", "email": "ada@example.com"},
        },
        format="json",
    )
    assert response.status_code == 422, response.content[:300]
    assert response.json()["error"]["details"][0]["field"] == "datetime"


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (f"/api/v1/public/whitepapers?author={TOO_BIG}", "author"),
        (f"/api/v1/public/whitepapers/search?q=ai&author={TOO_BIG}", "author"),
        ("/api/v1/public/whitepapers?author=%C2%B2", "author"),  # "²" passes str.isdigit()
        ("/api/v1/public/whitepapers/recent?days=%C2%B2", "days"),
        (f"/api/v1/consulting/time-slots?researcher_id={TOO_BIG}", "researcher_id"),
        (f"/api/v1/public/availability?date=2026-01-05&consultant_id={TOO_BIG}", "consultant_id"),
        (f"/api/v1/public/consultants/search?min_experience={TOO_BIG}", "min_experience"),
        (f"/api/v1/admin/leads?min_score={TOO_BIG}", "min_score"),
    ],
)
def test_an_integer_beyond_64_bits_is_422(world, url, field):
    client, _ = world
    response = client.get(url)
    assert response.status_code == 422, response.content[:300]
    assert response.json()["error"]["details"][0]["field"] == field


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posixrules"])
def test_a_pseudo_zone_is_no_time_zone(world, zone):
    client, consultant = world
    assert not is_known_timezone(zone)
    response = client.get(
        f"/api/v1/public/consultants/{consultant.pk}/availability",
        {"date": (timezone.now() + timedelta(days=7)).date().isoformat(), "timezone": zone},
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "timezone"


def test_real_zones_stay_known():
    assert {"UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5"} <= known_timezones()


def _writable_fields(serializer, prefix=""):
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        if isinstance(field, serializers.ListSerializer):
            field = field.child
        if isinstance(field, serializers.ListField):
            yield f"{prefix}{name}[]", field.child
        elif isinstance(field, serializers.Serializer):
            yield from _writable_fields(field, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", field


def _unbounded(field) -> bool:
    if isinstance(field, serializers.DateTimeField):
        return not isinstance(field, fields.DateTimeField)
    if isinstance(field, serializers.DateField):
        return not isinstance(field, fields.DateField)
    if isinstance(field, serializers.IntegerField):
        return field.max_value is None or field.min_value is None
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        return not isinstance(field, fields.PrimaryKeyRelatedField)
    return False


def test_every_request_body_date_time_and_id_field_is_bounded():
    """Every serializer the schema documents as a request body takes dates, times, integers and
    related ids only through the bounded fields of ``magnetiq.api.fields``."""
    generator = SchemaGenerator()
    generator.get_schema(request=None, public=True)
    bodies = {
        type(component.object)
        for (name, kind), component in generator.registry._components.items()
        if kind == "schemas" and name.endswith("Request") and isinstance(component.object, serializers.Serializer)
    }
    unbounded = sorted(
        f"{klass.__module__}.{klass.__qualname__}.{name}"
        for klass in bodies
        for name, field in _writable_fields(klass())
        if _unbounded(field)
    )
    assert len(bodies) > 40
    assert unbounded == []


def test_every_filter_set_is_bounded():
    """Every filter set of the project derives from the bounded base, and none declares a date,
    date-time or number filter of django-filter's own (unbounded) kind."""
    import django_filters

    from magnetiq.api import filters

    _operations()  # the schema imports every view module, and with it every filter set
    found, stack = [], [django_filters.FilterSet]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if not sub.__module__.startswith(("django_filters", "magnetiq.api")):
                found.append(sub)
    bounded = (filters.DateFilter, filters.DateTimeFilter, filters.IdFilter, filters.IntegerFilter)
    offenders = sorted(
        f"{klass.__module__}.{klass.__qualname__}.{name}"
        for klass in found
        for name, declared in klass.base_filters.items()
        if isinstance(declared, django_filters.DateFilter | django_filters.DateTimeFilter)
        and not isinstance(declared, bounded)
    )
    assert len(found) >= 8
    assert [k.__qualname__ for k in found if not issubclass(k, filters.FilterSet)] == []
    assert offenders == []
