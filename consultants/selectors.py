"""Reads of the public directory shared by the API and the pages (a constant number of queries each,
whatever the size)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, DecimalField, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone as django_timezone
from django.utils.text import slugify

from magnetiq.pagecache import versioned

from . import free_slots
from .models import Consultant, json_list_needle

#: "Available this week": a free slot starting within this many days of now.
AVAILABLE_DAYS = 7

#: ``sort_by`` value → model field (spec 000 ``ConsultantSearchRequest.sort_by`` plus name/newest).
SORT_FIELDS = {
    "rating": "average_rating",
    "rate": "rate_usd",
    "price": "rate_usd",
    "experience": "years_experience",
    "reviews": "total_reviews",
    "name": "last_name",
    "newest": "created_at",
    "featured": "is_featured",
}


def public_consultant_search(
    *,
    query: str | None = None,
    expertise: list[str] | None = None,
    min_rate: Decimal | None = None,
    max_rate: Decimal | None = None,
    min_rating: Decimal | None = None,
    min_experience: int | None = None,
    languages: list[str] | None = None,
    consultation_type: str | None = None,
    timezone: str | None = None,
    is_verified: bool | None = None,
    is_featured: bool | None = None,
    available_this_week: bool = False,
    available_date: date | None = None,
    sort_by: str = "rating",
    sort_order: str = "desc",
) -> QuerySet[Consultant]:
    """Public consultants matching every given filter, ordered by ``sort_by`` / ``sort_order``.

    ``expertise`` and ``languages``: all listed entries must be present. ``min_rate``/``max_rate``
    compare the rate in the consultant's own currency; the ``rate``/``price`` sort compares rates
    converted to US dollars (:func:`with_rate_usd`). ``available_this_week``: only consultants with
    a free slot starting in the next :data:`AVAILABLE_DAYS` days (:func:`with_free_slot`).
    ``available_date`` (spec 000 ``ConsultantSearchRequest``): only consultants with a free slot
    starting on that UTC day and not before now (a past day matches nobody). Consultants
    without a value for the sort field come last either way; ties are broken by featured first, then
    name. One query whatever the number of consultants, three more (run at once) with
    ``available_this_week`` or ``available_date``. Raises ``KeyError`` for an unknown ``sort_by``.
    """
    qs = Consultant.objects.public().search(query)
    for tag in expertise or []:
        qs = qs.with_expertise(tag)
    for lang in languages or []:
        qs = qs.filter(languages__icontains=json_list_needle(lang.lower()))
    if consultation_type:
        qs = qs.filter(consultation_types__icontains=json_list_needle(consultation_type))
    if min_rate is not None:
        qs = qs.filter(hourly_rate__gte=min_rate)
    if max_rate is not None:
        qs = qs.filter(hourly_rate__lte=max_rate)
    if min_rating is not None:
        qs = qs.filter(average_rating__gte=min_rating)
    if min_experience is not None:
        qs = qs.filter(years_experience__gte=min_experience)
    if timezone:
        qs = qs.filter(timezone=timezone)
    if is_verified is not None:
        qs = qs.filter(is_verified=is_verified)
    if is_featured is not None:
        qs = qs.filter(is_featured=is_featured)
    if available_this_week:
        # Last, so the other filters shrink the candidates whose slots are computed.
        qs = with_free_slot(qs)
    if available_date is not None:
        day_start = datetime.combine(available_date, time.min, tzinfo=UTC)
        qs = with_free_slot_between(qs, start=max(day_start, django_timezone.now()), end=day_start + timedelta(days=1))
    return with_rate_usd(qs).order_by(*ordering(sort_by, sort_order))


def ordering(sort_by: str, sort_order: str = "desc") -> list:
    """ORDER BY expressions for a public sort; nulls last, stable tie-breakers."""
    field = F(SORT_FIELDS[sort_by])
    primary = field.asc(nulls_last=True) if sort_order == "asc" else field.desc(nulls_last=True)
    extra = ["first_name"] if sort_by == "name" else []
    return [primary, *extra, "-is_featured", "last_name", "first_name", "id"]


def exchange_rates() -> dict[str, Decimal]:
    """``settings.EXCHANGE_RATES`` as Decimals: US dollars per unit of each currency code."""
    return {code.upper(): Decimal(str(rate)) for code, rate in settings.EXCHANGE_RATES.items()}


def with_rate_usd(qs: QuerySet[Consultant]) -> QuerySet[Consultant]:
    """Annotate ``rate_usd``: ``hourly_rate`` × the currency's rate of ``settings.EXCHANGE_RATES``
    (a SQL ``CASE``, so sorting by it stays one query); ``NULL`` without a rate or for a currency
    the setting does not list (sorted last)."""
    rate_field = DecimalField(max_digits=14, decimal_places=4)
    factor = Case(
        *(When(currency=code, then=Value(rate, output_field=rate_field)) for code, rate in exchange_rates().items()),
        default=Value(None, output_field=rate_field),
        output_field=rate_field,
    )
    return qs.annotate(rate_usd=F("hourly_rate") * factor)


def with_free_slot(
    qs: QuerySet[Consultant], *, now: datetime | None = None, days: int = AVAILABLE_DAYS
) -> QuerySet[Consultant]:
    """``qs`` cut to the consultants with a free slot starting between ``now`` (default: the clock)
    and ``now + days``: a slot the booking page offers (minimum notice, days off, bookings and
    holds, buffer, day limit), computed by the bookings app (:mod:`consultants.free_slots`).

    Three queries, run at once: the candidates of ``qs`` that have open hours in those days
    (:func:`open_hours_between`, in SQL), then, for all of them together, their schedules and their
    active bookings. The result filters ``qs`` by the ids found.
    """
    now = now or django_timezone.now()
    return with_free_slot_between(qs, start=now, end=now + timedelta(days=days))


def with_free_slot_between(qs: QuerySet[Consultant], *, start: datetime, end: datetime) -> QuerySet[Consultant]:
    """``qs`` cut to the consultants with a free slot starting in ``[start, end)`` (aware
    datetimes), as :func:`with_free_slot` computes it; an empty window matches nobody."""
    if start >= end:
        return qs.none()
    # A slot's local date lies within a day of its UTC date, whatever the consultant's zone.
    candidates = list(
        qs.filter(open_hours_between(start.date() - timedelta(days=1), end.date() + timedelta(days=1)))
        .order_by()
        .only("pk", "timezone", "booking_buffer_minutes", "max_bookings_per_day")
    )
    free = free_slots.consultants_with_free_slot(candidates, start=start, end=end) if candidates else set()
    return qs.filter(pk__in=sorted(free))


def open_hours_between(first: date, last: date) -> Q:
    """A filter: the consultant has open hours on one of the dates ``first``…``last`` (inclusive).

    A date counts when the weekly schedule (``bookings``' availability rules, read through the
    reverse relation ``availability_rules``) has hours on its weekday and no whole-day
    ``unavailable`` override takes the date off, or when an ``extra`` override adds hours on it.
    Bookings, the notice and windows taken off are not subtracted: this is the cheap SQL
    pre-filter of :func:`with_free_slot`, never narrower than the slots. Two ``EXISTS`` per date
    inside one query.
    """
    rule_model = Consultant._meta.get_field("availability_rules").related_model
    override_model = Consultant._meta.get_field("availability_overrides").related_model
    condition = Q()
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        weekly = Exists(rule_model._default_manager.filter(consultant=OuterRef("pk"), weekday=day.weekday()))
        off = Exists(
            override_model._default_manager.filter(
                consultant=OuterRef("pk"), date=day, kind="unavailable", start_time__isnull=True
            )
        )
        condition |= Q(weekly) & ~Q(off)
    extra = Exists(
        override_model._default_manager.filter(consultant=OuterRef("pk"), kind="extra", date__range=(first, last))
    )
    return condition | Q(extra)


def default_public_ordering() -> list:
    """The directory's default order (spec 000 list: featured, then rating, then reviews)."""
    return ["-is_featured", F("average_rating").desc(nulls_last=True), "-total_reviews", "last_name", "id"]


@dataclass(frozen=True)
class ExpertiseCategory:
    name: str
    slug: str
    count: int


def expertise_categories() -> list[ExpertiseCategory]:
    """Expertise areas of public consultants with how many have each, most common first.

    Tags are grouped case-insensitively under their most frequent spelling. Computed from every
    public consultant's tags (one query) once per content version (``magnetiq.pagecache.versioned``:
    a consultant's save recomputes it), so the directory and the API read a ready list.
    """
    return versioned("consultants:expertise-categories", _expertise_categories)


def _expertise_categories() -> list[ExpertiseCategory]:
    counts: dict[str, int] = {}
    spellings: dict[str, dict[str, int]] = {}
    for tags in Consultant.objects.public().values_list("expertise_areas", flat=True):
        for tag in {t.strip() for t in tags or [] if isinstance(t, str) and t.strip()}:
            key = tag.lower()
            counts[key] = counts.get(key, 0) + 1
            spellings.setdefault(key, {}).setdefault(tag, 0)
            spellings[key][tag] += 1
    categories = []
    for key, count in counts.items():
        name = max(spellings[key].items(), key=lambda item: (item[1], item[0]))[0]
        categories.append(ExpertiseCategory(name=name, slug=slugify(name), count=count))
    return sorted(categories, key=lambda c: (-c.count, c.name.lower()))


def expertise_alphabetical(categories: list[ExpertiseCategory]) -> list[ExpertiseCategory]:
    """``categories`` sorted by name, case-insensitively (the directory's expertise menu)."""
    return sorted(categories, key=lambda c: (c.name.lower(), c.name))


def spoken_languages() -> list[str]:
    """The language codes public consultants speak (``["ar", "da", "de", "en", …]``), sorted; one
    query per content version (``magnetiq.pagecache.versioned``)."""
    return versioned("consultants:spoken-languages", _spoken_languages)


def _spoken_languages() -> list[str]:
    codes: set[str] = set()
    for languages in Consultant.objects.public().values_list("languages", flat=True):
        codes.update(code for code in languages or [] if isinstance(code, str))
    return sorted(codes)


def expertise_by_slug(slug: str) -> str | None:
    """The expertise name whose slug (or lower-case name) is ``slug``, among public consultants."""
    wanted = slug.strip().lower()
    for category in expertise_categories():
        if category.slug == wanted or category.name.lower() == wanted:
            return category.name
    return None
