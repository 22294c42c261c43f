from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from consultants import services
from consultants.exceptions import ConsultantDeleted, ConsultantEmailTaken
from consultants.models import Consultant, ConsultantStatus
from consultants.tests.factories import ConsultantFactory, bio_blocks

pytestmark = pytest.mark.django_db


def create(**extra):
    data = {"first_name": "Anna", "last_name": "Schmidt", "email": "anna@example.com", **extra}
    return services.consultant_create(**data)


def test_create_generates_slug_and_defaults():
    consultant = create(email=" Anna@Example.COM ", expertise_areas=[" Cloud ", "cloud", "AI"])
    assert consultant.slug == "anna-schmidt"
    assert consultant.email == "anna@example.com"
    assert consultant.status == ConsultantStatus.PENDING
    assert consultant.currency == "USD"
    assert consultant.expertise_areas == ["Cloud", "AI"]


def test_slug_is_deduplicated_including_soft_deleted():
    first = create(email="a1@example.com")
    services.consultant_delete(consultant=first)
    second = create(email="a2@example.com")
    third = create(email="a3@example.com")
    assert [first.slug, second.slug, third.slug] == ["anna-schmidt", "anna-schmidt-2", "anna-schmidt-3"]


def test_slug_from_non_ascii_name():
    assert create(first_name="Léa", last_name="Müller").slug == "lea-muller"


def test_email_taken_case_insensitively():
    create(email="anna@example.com")
    with pytest.raises(ConsultantEmailTaken) as info:
        create(first_name="Other", email="ANNA@example.com")
    assert info.value.status == 409
    assert info.value.code == "CONSULTANT_EMAIL_TAKEN"


def test_update_to_taken_email_is_conflict():
    create(email="anna@example.com")
    other = create(first_name="Ben", email="ben@example.com")
    with pytest.raises(ConsultantEmailTaken):
        services.consultant_update(consultant=other, data={"email": "Anna@example.com"})


def test_email_free_again_after_soft_delete():
    first = create(email="anna@example.com")
    services.consultant_delete(consultant=first)
    second = create(email="anna@example.com")
    assert second.pk != first.pk


def test_database_enforces_email_uniqueness_among_alive():
    ConsultantFactory(email="same@example.com", slug="one")
    with pytest.raises(IntegrityError):
        ConsultantFactory(email="SAME@example.com", slug="two")


def test_database_checks_rating_range():
    with pytest.raises(IntegrityError):
        Consultant.objects.filter(pk=ConsultantFactory().pk).update(average_rating=Decimal("5.5"))


def test_database_checks_rate_not_negative():
    with pytest.raises(IntegrityError):
        Consultant.objects.filter(pk=ConsultantFactory().pk).update(hourly_rate=Decimal("-1"))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timezone", "Mars/Olympus", "is not a known time zone"),
        ("hourly_rate", Decimal("-5"), "greater than or equal to 0"),
        # The rating comes from the approved reviews (consultant_set_rating), never from an edit.
        ("average_rating", Decimal("4.50"), "cannot be set here"),
        ("total_reviews", 12, "cannot be set here"),
        ("expertise_areas", {"tag": "Cloud"}, "Expected a list of strings"),
        ("expertise_areas", ["ok", ""], "Entry 2 must be a non-empty string"),
        ("languages", ["EN"], "two-letter lower-case language code"),
        ("currency", "usd", "three-letter ISO 4217 code"),
        ("bio", {"de": bio_blocks("nur deutsch")}, "English (en) content is required"),
        ("bio", {"en": [{"_type": "nope"}]}, "EN block 0"),
        ("meta_description", {"fr": "bonjour"}, "Unknown language fr"),
        ("meta_description", "plain", "Expected an object of translations"),
        ("portfolio_images", ["javascript:alert(1)"], "Entry 1 is not a valid http(s) URL"),
    ],
)
def test_field_rules(field, value, message):
    with pytest.raises(ValidationError) as info:
        create(**{field: value})
    assert field in info.value.message_dict
    assert message in " ".join(info.value.message_dict[field])
    assert Consultant.objects.count() == 0


def test_fields_outside_the_profile_cannot_be_set():
    consultant = create()
    with pytest.raises(ValidationError) as info:
        services.consultant_update(
            consultant=consultant, data={"total_revenue": Decimal("1"), "stripe_account_id": "x"}
        )
    assert set(info.value.message_dict) == {"total_revenue", "stripe_account_id"}


def test_update_changes_fields_and_regenerates_empty_slug():
    consultant = create()
    services.consultant_update(consultant=consultant, data={"last_name": "Berg", "slug": ""})
    consultant.refresh_from_db()
    assert (consultant.last_name, consultant.slug) == ("Berg", "anna-berg")


def test_set_status_and_notes():
    consultant = create()
    services.consultant_set_status(consultant=consultant, status="suspended", verification_notes="Expired ID.")
    consultant.refresh_from_db()
    assert (consultant.status, consultant.verification_notes) == ("suspended", "Expired ID.")
    with pytest.raises(ValidationError):
        services.consultant_set_status(consultant=consultant, status="sleeping")


def test_feature_and_unfeature():
    consultant = create()
    assert services.consultant_feature(consultant=consultant).is_featured is True
    assert services.consultant_feature(consultant=consultant, featured=False).is_featured is False


def test_soft_delete_hides_and_blocks_changes():
    consultant = ConsultantFactory(is_featured=True)
    when = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    services.consultant_delete(consultant=consultant, now=when)
    consultant.refresh_from_db()
    assert (consultant.deleted_at, consultant.status, consultant.is_featured) == (when, "inactive", False)
    assert not Consultant.objects.alive().filter(pk=consultant.pk).exists()
    assert Consultant.objects.filter(pk=consultant.pk).exists()
    with pytest.raises(ConsultantDeleted):
        services.consultant_update(consultant=consultant, data={"title": "x"})
    services.consultant_delete(consultant=consultant)  # idempotent
    consultant.refresh_from_db()
    assert consultant.deleted_at == when


def test_queryset_public_search_and_expertise():
    visible = ConsultantFactory(first_name="Zoe", title="Data Lead", expertise_areas=["Machine Learning", "AI"])
    ConsultantFactory(status=ConsultantStatus.PENDING)
    deleted = ConsultantFactory()
    services.consultant_delete(consultant=deleted)
    assert list(Consultant.objects.public()) == [visible]
    assert list(Consultant.objects.public().search("zoe data")) == [visible]
    assert list(Consultant.objects.public().search("zoe nothing")) == []
    assert list(Consultant.objects.public().with_expertise("ai")) == [visible]
    # a whole tag, not a substring of another one
    assert list(Consultant.objects.public().with_expertise("learning")) == []


def test_payout_state_writes_only_the_given_changed_fields():
    consultant = ConsultantFactory(stripe_account_id="acct_1", kyc_status="not_submitted")
    before = consultant.updated_at

    assert services.consultant_set_payout_state(consultant=consultant, stripe_account_id="acct_1") == []
    changed = services.consultant_set_payout_state(
        consultant=consultant, kyc_status="approved", bank_account_verified=True
    )

    consultant.refresh_from_db()
    assert changed == ["kyc_status", "bank_account_verified"]
    assert (consultant.stripe_account_id, consultant.kyc_status, consultant.bank_account_verified) == (
        "acct_1",
        "approved",
        True,
    )
    assert consultant.updated_at > before
    with pytest.raises(ValidationError):
        services.consultant_set_payout_state(consultant=consultant, kyc_status="maybe")
    assert consultant.kyc_status == "approved"


def test_totals_are_stored_only_when_they_differ():
    consultant = ConsultantFactory()

    assert services.consultant_set_totals(consultant=consultant, total_consultations=3, total_revenue=Decimal("90.00"))
    assert not services.consultant_set_totals(
        consultant=consultant, total_consultations=3, total_revenue=Decimal("90.00")
    )

    consultant.refresh_from_db()
    assert (consultant.total_consultations, consultant.total_revenue) == (3, Decimal("90.00"))


def test_set_rating_stores_the_recomputed_pair_once():
    consultant = ConsultantFactory(average_rating=None, total_reviews=0)
    assert services.consultant_set_rating(consultant_id=consultant.pk, average=Decimal("4.333"), total=3) is True
    consultant.refresh_from_db()
    assert (consultant.average_rating, consultant.total_reviews) == (Decimal("4.33"), 3)
    assert services.consultant_set_rating(consultant_id=consultant.pk, average=Decimal("4.33"), total=3) is False
    with pytest.raises(ValidationError):
        services.consultant_set_rating(consultant_id=consultant.pk, average=Decimal("5.5"), total=1)
