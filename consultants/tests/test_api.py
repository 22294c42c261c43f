from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consultants.models import Consultant, ConsultantStatus
from consultants.tests.factories import ConsultantFactory, bio_blocks

pytestmark = pytest.mark.django_db

ADMIN = "/api/v1/admin/consultants"
PUBLIC = "/api/v1/public/consultants"

PUBLIC_CARD_KEYS = {
    "id",
    "slug",
    "url",
    "first_name",
    "last_name",
    "full_name",
    "title",
    "company",
    "expertise_areas",
    "years_experience",
    "hourly_rate",
    "currency",
    "consultation_types",
    "languages",
    "profile_image_url",
    "average_rating",
    "total_reviews",
    "is_verified",
    "is_featured",
    "timezone",
}
PUBLIC_DETAIL_KEYS = PUBLIC_CARD_KEYS | {
    "language",
    "bio",
    "bio_html",
    "meta_description",
    "portfolio_images",
    "total_consultations",
}
PRIVATE_KEYS = {
    "email",
    "phone",
    "payment_setup_status",
    "kyc_status",
    "stripe_account_id",
    "paypal_account_id",
    "bank_account_verified",
    "linkedin_scraped_data",
    "verification_notes",
    "total_revenue",
}


def body(**extra):
    return {"first_name": "Anna", "last_name": "Schmidt", "email": "anna@example.com", **extra}


# --- admin API: permissions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("get", ADMIN, None),
        ("post", ADMIN, body()),
        ("get", ADMIN + "/{id}", None),
        ("put", ADMIN + "/{id}", body()),
        ("patch", ADMIN + "/{id}", {"title": "x"}),
        ("delete", ADMIN + "/{id}", None),
        ("put", ADMIN + "/{id}/status", {"status": "active"}),
    ],
)
def test_admin_endpoints_need_a_token(api_client, method, path, payload):
    consultant = ConsultantFactory()
    response = getattr(api_client, method)(path.format(id=consultant.pk), payload, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "NOT_AUTHENTICATED"


@pytest.mark.parametrize(
    ("method", "path", "payload", "needed"),
    [
        ("get", ADMIN, None, "view_consultant"),
        ("post", ADMIN, body(), "add_consultant"),
        ("get", ADMIN + "/{id}", None, "view_consultant"),
        ("put", ADMIN + "/{id}", body(email="new@example.com"), "change_consultant"),
        ("patch", ADMIN + "/{id}", {"title": "x"}, "change_consultant"),
        ("delete", ADMIN + "/{id}", None, "delete_consultant"),
        ("put", ADMIN + "/{id}/status", {"status": "active"}, "change_consultant"),
    ],
)
def test_admin_permissions_allowed_vs_forbidden(api_client, make_user, method, path, payload, needed):
    consultant = ConsultantFactory()
    url = path.format(id=consultant.pk)
    others = {"view_consultant", "add_consultant", "change_consultant", "delete_consultant"} - {needed}
    outsider = make_user("outsider@example.com", *others)
    api_client.force_authenticate(outsider)
    response = getattr(api_client, method)(url, payload, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "PERMISSION_DENIED"

    allowed = make_user("allowed@example.com", needed)
    api_client.force_authenticate(allowed)
    response = getattr(api_client, method)(url, payload, format="json")
    assert response.status_code in (200, 201, 204)


def test_group_role_can_do_everything(api_client, manager):
    api_client.force_authenticate(manager)
    created = api_client.post(ADMIN, body(), format="json")
    assert created.status_code == 201
    pk = created.json()["data"]["id"]
    assert api_client.delete(f"{ADMIN}/{pk}").status_code == 204


# --- admin API: behaviour ---------------------------------------------------------------------


def test_admin_list_filters_and_pagination(api_client, viewer):
    ConsultantFactory(first_name="Ada", status=ConsultantStatus.ACTIVE, is_verified=True)
    ConsultantFactory(first_name="Bea", status=ConsultantStatus.PENDING, company="Acme")
    deleted = ConsultantFactory(first_name="Cid")
    Consultant.objects.filter(pk=deleted.pk).update(deleted_at="2026-01-01T00:00:00Z")
    api_client.force_authenticate(viewer)

    data = api_client.get(ADMIN, {"limit": 1}).json()["data"]
    assert data["pagination"] == {"page": 1, "limit": 1, "total": 2, "pages": 2}
    assert len(data["consultants"]) == 1

    def names(**params):
        return sorted(c["first_name"] for c in api_client.get(ADMIN, params).json()["data"]["consultants"])

    assert names() == ["Ada", "Bea"]
    assert names(status="pending") == ["Bea"]
    assert names(is_verified="true") == ["Ada"]
    assert names(search="acme") == ["Bea"]
    assert names(search="ada.schmidt@") == ["Ada"]
    response = api_client.get(ADMIN, {"status": "sleeping"})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "status"


def test_admin_create_returns_full_record(api_client, manager):
    api_client.force_authenticate(manager)
    response = api_client.post(
        ADMIN,
        body(hourly_rate="250.00", bio={"en": bio_blocks("Hello")}, expertise_areas=["Cloud"], timezone="Asia/Tokyo"),
        format="json",
    )
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["slug"] == "anna-schmidt"
    assert data["status"] == "pending"
    assert data["hourly_rate"] == "250.00"
    assert data["email"] == "anna@example.com"
    assert {"stripe_account_id", "kyc_status", "total_revenue", "linkedin_scraped_data"} <= set(data)


def test_admin_create_duplicate_email_is_409(api_client, manager):
    ConsultantFactory(email="anna@example.com")
    api_client.force_authenticate(manager)
    response = api_client.post(ADMIN, body(email="ANNA@example.com"), format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "CONSULTANT_EMAIL_TAKEN"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"timezone": "Nowhere/Land"}, "timezone"),
        ({"hourly_rate": "-1"}, "hourly_rate"),
        ({"bio": {"en": [{"_type": "bogus"}]}}, "bio"),
        ({"email": "not-an-email"}, "email"),
        ({"years_experience": 99}, "years_experience"),
        ({"expertise_areas": "Cloud"}, "expertise_areas"),
    ],
)
def test_admin_create_invalid_is_422_with_field(api_client, manager, payload, field):
    api_client.force_authenticate(manager)
    response = api_client.post(ADMIN, body(**payload), format="json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert field in {detail["field"] for detail in response.json()["error"]["details"]}


def test_admin_update_patch_and_put(api_client, manager):
    consultant = ConsultantFactory(first_name="Anna", email="anna@example.com")
    ConsultantFactory(email="taken@example.com")
    api_client.force_authenticate(manager)
    url = f"{ADMIN}/{consultant.pk}"

    response = api_client.patch(url, {"title": "Partner", "is_featured": True}, format="json")
    assert response.status_code == 200
    assert (response.json()["data"]["title"], response.json()["data"]["is_featured"]) == ("Partner", True)

    response = api_client.put(url, body(first_name="Anne", title="CTO"), format="json")
    assert response.status_code == 200
    assert response.json()["data"]["first_name"] == "Anne"

    response = api_client.put(url, {"title": "no names"}, format="json")
    assert response.status_code == 422

    response = api_client.patch(url, {"email": "Taken@example.com"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "CONSULTANT_EMAIL_TAKEN"


def test_admin_read_only_fields_are_ignored(api_client, manager):
    consultant = ConsultantFactory(status=ConsultantStatus.PENDING)
    api_client.force_authenticate(manager)
    response = api_client.patch(
        f"{ADMIN}/{consultant.pk}",
        {"status": "active", "total_revenue": "1.00", "stripe_account_id": "acct_evil", "kyc_status": "approved"},
        format="json",
    )
    assert response.status_code == 200
    consultant.refresh_from_db()
    assert (consultant.status, consultant.total_revenue, consultant.stripe_account_id, consultant.kyc_status) == (
        "pending",
        Decimal("12345.00"),
        "acct_123",
        "not_submitted",
    )


def test_admin_status_endpoint(api_client, manager):
    consultant = ConsultantFactory(status=ConsultantStatus.PENDING)
    api_client.force_authenticate(manager)
    url = f"{ADMIN}/{consultant.pk}/status"
    response = api_client.put(url, {"status": "active", "verification_notes": "ok"}, format="json")
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "active"
    assert response.json()["data"]["verification_notes"] == "ok"
    assert api_client.put(url, {"status": "sleeping"}, format="json").status_code == 422


def test_admin_delete_is_soft_and_then_404(api_client, manager):
    consultant = ConsultantFactory()
    api_client.force_authenticate(manager)
    url = f"{ADMIN}/{consultant.pk}"
    assert api_client.delete(url).status_code == 204
    consultant.refresh_from_db()
    assert consultant.deleted_at is not None
    assert consultant.status == "inactive"
    for method in ("get", "patch", "delete"):
        assert getattr(api_client, method)(url).status_code == 404
    assert api_client.put(url + "/status", {"status": "active"}, format="json").status_code == 404


def test_admin_unknown_id_is_404(api_client, manager):
    api_client.force_authenticate(manager)
    response = api_client.get(f"{ADMIN}/999999")
    assert response.status_code == 404
    assert response.json()["success"] is False


# --- public API -------------------------------------------------------------------------------


def test_public_list_shows_only_public_and_no_private_fields(api_client):
    visible = ConsultantFactory(first_name="Ada")
    ConsultantFactory(status=ConsultantStatus.PENDING)
    ConsultantFactory(status=ConsultantStatus.SUSPENDED)
    deleted = ConsultantFactory()
    Consultant.objects.filter(pk=deleted.pk).update(deleted_at="2026-01-01T00:00:00Z")
    response = api_client.get(PUBLIC)
    assert response.status_code == 200
    data = response.json()["data"]
    assert [c["id"] for c in data["consultants"]] == [visible.pk]
    assert set(data["consultants"][0]) == PUBLIC_CARD_KEYS
    assert data["pagination"]["total"] == 1


def test_public_detail_keys_language_and_bio_html(api_client):
    consultant = ConsultantFactory(
        first_name="Ada",
        bio={
            "en": [
                {
                    "_type": "block",
                    "style": "normal",
                    "markDefs": [],
                    "children": [{"_type": "span", "text": "Hello", "marks": ["strong"]}],
                }
            ],
            "de": bio_blocks("Hallo"),
        },
    )
    response = api_client.get(f"{PUBLIC}/{consultant.pk}")
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == PUBLIC_DETAIL_KEYS
    assert not PRIVATE_KEYS & set(data)
    assert data["language"] == "en"
    assert data["bio"][0]["children"][0]["text"] == "Hello"
    assert data["bio_html"] == "<p><strong>Hello</strong></p>"
    assert data["meta_description"] == "A consultant."

    german = api_client.get(f"{PUBLIC}/{consultant.pk}", {"language": "de"}).json()["data"]
    assert (german["language"], german["bio_html"], german["meta_description"]) == (
        "de",
        "<p>Hallo</p>",
        "Ein Berater.",
    )
    fallback = api_client.get(f"{PUBLIC}/{consultant.pk}", {"language": "xx"}).json()["data"]
    assert fallback["language"] == "en"


def test_public_detail_falls_back_to_english_bio(api_client):
    consultant = ConsultantFactory(bio={"en": bio_blocks("Only English")})
    data = api_client.get(f"{PUBLIC}/{consultant.pk}", {"language": "de"}).json()["data"]
    assert data["bio_html"] == "<p>Only English</p>"


@pytest.mark.parametrize("status", ["pending", "inactive", "suspended", "rejected"])
def test_public_detail_404_for_non_public(api_client, status):
    consultant = ConsultantFactory(status=status)
    response = api_client.get(f"{PUBLIC}/{consultant.pk}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


def test_public_detail_404_for_deleted(api_client):
    consultant = ConsultantFactory()
    Consultant.objects.filter(pk=consultant.pk).update(deleted_at="2026-01-01T00:00:00Z")
    assert api_client.get(f"{PUBLIC}/{consultant.pk}").status_code == 404


@pytest.fixture
def directory():
    """Four public consultants with distinct values, plus one pending that must never show."""
    return {
        "ada": ConsultantFactory(
            first_name="Ada",
            last_name="Adler",
            expertise_areas=["AI", "Cloud"],
            hourly_rate=Decimal("300"),
            average_rating=Decimal("4.9"),
            total_reviews=5,
            years_experience=20,
            languages=["en", "de"],
            consultation_types=["30for30", "audit"],
            timezone="Europe/Berlin",
            is_verified=True,
            is_featured=True,
        ),
        "ben": ConsultantFactory(
            first_name="Ben",
            last_name="Brook",
            expertise_areas=["Cloud", "Security"],
            hourly_rate=Decimal("150"),
            average_rating=Decimal("4.2"),
            total_reviews=50,
            years_experience=5,
            languages=["en"],
            consultation_types=["30for30"],
            timezone="America/New_York",
            is_verified=False,
            company="Acme Cloud",
        ),
        "cat": ConsultantFactory(
            first_name="Cat",
            last_name="Cole",
            expertise_areas=["Finance"],
            hourly_rate=Decimal("220"),
            average_rating=None,
            total_reviews=0,
            years_experience=12,
            languages=["de"],
            consultation_types=["strategy"],
            timezone="Europe/Berlin",
            is_verified=True,
        ),
        "dan": ConsultantFactory(
            first_name="Dan",
            last_name="Dorn",
            expertise_areas=["Supply Chain"],
            hourly_rate=None,
            average_rating=Decimal("3.5"),
            total_reviews=9,
            years_experience=None,
            languages=["en"],
            timezone="Asia/Tokyo",
            is_verified=True,
        ),
        "hidden": ConsultantFactory(first_name="Hid", expertise_areas=["AI"], status=ConsultantStatus.PENDING),
    }


def search(api_client, **params):
    response = api_client.get(f"{PUBLIC}/search", params)
    assert response.status_code == 200, response.json()
    return [c["first_name"] for c in response.json()["data"]["consultants"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Ada", "Ben", "Dan", "Cat"]),
        ({"query": "acme"}, ["Ben"]),
        ({"query": "ada adler"}, ["Ada"]),
        ({"expertise": "cloud"}, ["Ada", "Ben"]),
        ({"expertise": "cloud,ai"}, ["Ada"]),
        ({"expertise": ["Cloud", "Security"]}, ["Ben"]),
        ({"min_rate": "200"}, ["Ada", "Cat"]),
        ({"max_rate": "200"}, ["Ben"]),
        ({"min_rate": "200", "max_rate": "250"}, ["Cat"]),
        ({"min_rating": "4.5"}, ["Ada"]),
        ({"min_experience": "10"}, ["Ada", "Cat"]),
        ({"languages": "de"}, ["Ada", "Cat"]),
        ({"languages": "en,de"}, ["Ada"]),
        ({"timezone": "Europe/Berlin"}, ["Ada", "Cat"]),
        ({"consultation_type": "audit"}, ["Ada"]),
        ({"is_verified": "false"}, ["Ben"]),
        ({"is_featured": "true"}, ["Ada"]),
        ({"sort_by": "rating", "sort_order": "asc"}, ["Dan", "Ben", "Ada", "Cat"]),
        ({"sort_by": "rate", "sort_order": "asc"}, ["Ben", "Cat", "Ada", "Dan"]),
        ({"sort_by": "price", "sort_order": "desc"}, ["Ada", "Cat", "Ben", "Dan"]),
        ({"sort_by": "experience"}, ["Ada", "Cat", "Ben", "Dan"]),
        ({"sort_by": "reviews"}, ["Ben", "Dan", "Ada", "Cat"]),
        ({"sort_by": "name", "sort_order": "asc"}, ["Ada", "Ben", "Cat", "Dan"]),
        ({"sort_by": "name", "sort_order": "desc"}, ["Dan", "Cat", "Ben", "Ada"]),
        ({"sort_by": "newest"}, ["Dan", "Cat", "Ben", "Ada"]),
        ({"sort_by": "newest", "sort_order": "asc"}, ["Ada", "Ben", "Cat", "Dan"]),
    ],
)
def test_public_search_filters_and_sorts(api_client, directory, params, expected):
    assert search(api_client, **params) == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort_by": "height"}, "sort_by"),
        ({"sort_order": "up"}, "sort_order"),
        ({"min_rating": "6"}, "min_rating"),
        ({"min_rate": "-1"}, "min_rate"),
        ({"min_rate": "300", "max_rate": "100"}, "min_rate"),
        ({"is_verified": "maybe"}, "is_verified"),
        ({"limit": "1000"}, "limit"),
    ],
)
def test_public_search_bad_params_are_422(api_client, directory, params, field):
    response = api_client.get(f"{PUBLIC}/search", params)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == field


def test_public_list_order_and_filters(api_client, directory):
    def names(**params):
        return [c["first_name"] for c in api_client.get(PUBLIC, params).json()["data"]["consultants"]]

    assert names() == ["Ada", "Ben", "Dan", "Cat"]
    assert names(expertise="Cloud") == ["Ada", "Ben"]
    assert names(featured_only="true") == ["Ada"]


def test_public_featured(api_client, directory):
    data = api_client.get(f"{PUBLIC}/featured").json()["data"]
    assert [c["first_name"] for c in data["consultants"]] == ["Ada"]


def test_public_categories_count_public_only(api_client, directory):
    response = api_client.get(f"{PUBLIC}/categories")
    assert response.status_code == 200
    assert response.json()["data"]["categories"] == [
        {"name": "Cloud", "slug": "cloud", "count": 2},
        {"name": "AI", "slug": "ai", "count": 1},
        {"name": "Finance", "slug": "finance", "count": 1},
        {"name": "Security", "slug": "security", "count": 1},
        {"name": "Supply Chain", "slug": "supply-chain", "count": 1},
    ]


@pytest.mark.parametrize(
    ("expertise", "expected"),
    [("supply-chain", ["Dan"]), ("Supply Chain", ["Dan"]), ("cloud", ["Ada", "Ben"]), ("knitting", [])],
)
def test_public_by_expertise(api_client, directory, expertise, expected):
    response = api_client.get(f"{PUBLIC}/by-expertise/{expertise}")
    assert response.status_code == 200
    assert [c["first_name"] for c in response.json()["data"]["consultants"]] == expected


def test_public_endpoints_ignore_tokens_and_never_need_one(api_client, directory, viewer):
    api_client.force_authenticate(viewer)
    assert api_client.get(PUBLIC).status_code == 200


@pytest.mark.parametrize(
    "path", [PUBLIC, f"{PUBLIC}/search?sort_by=rate&expertise=Cloud&query=a", f"{PUBLIC}/featured"]
)
def test_public_lists_run_constant_queries(api_client, path):
    def count_for(n: int) -> int:
        Consultant.objects.all().delete()
        ConsultantFactory.create_batch(n, expertise_areas=["Cloud"], is_featured=True)
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(path, {"limit": 100})
        assert response.status_code == 200
        assert response.json()["data"]["pagination"]["total"] == n
        return len(queries)

    assert count_for(5) == count_for(200)


def test_public_profile_without_photo_matches_the_schema(api_client):
    """A consultant without a photo is served ``profile_image_url: ""``; the schema allows it (it said URI only)."""
    consultant = ConsultantFactory(profile_image_url="")
    served = api_client.get(f"{PUBLIC}/{consultant.pk}").json()["data"]
    assert served["profile_image_url"] == ""
    schemas = api_client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    for name in ("PublicConsultantCard", "PublicConsultantDetail"):
        field = schemas[name]["properties"]["profile_image_url"]
        assert field["oneOf"] == [{"type": "string", "format": "uri"}, {"type": "string", "maxLength": 0}]
