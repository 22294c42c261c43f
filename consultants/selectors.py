"""Reads of the public directory shared by the API and the pages (one query each, whatever the size)."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, DecimalField, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone as django_timezone
from django.utils.text import slugify

from magnetiq.pagecache import versioned

from .models import Consultant, json_list_needle

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
    sort_by: str = "rating",
    sort_order: str = "desc",
) -> QuerySet[Consultant]:
    """Public consultants matching every given filter, ordered by ``sort_by`` / ``sort_order``.

    ``expertise`` and ``languages``: all listed entries must be present. ``min_rate``/``max_rate``
    compare the rate in the consultant's own currency; the ``rate``/``price`` sort compares rates
    converted to US dollars (:func:`with_rate_usd`). ``available_this_week``: only consultants with
    open hours in the next 7 days (:func:`available_within`). Consultants without a value for the
    sort field come last either way; ties are broken by featured first, then name. One query
    whatever the number of consultants. Raises ``KeyError`` for an unknown ``sort_by``.
    """
    qs = Consultant.objects.public().search(query)
    if available_this_week:
        qs = qs.filter(available_within(django_timezone.now().date(), days=7))
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


def available_within(start: date, *, days: int = 7) -> Q:
    """A filter: the consultant has open hours on one of the ``days`` dates from ``start`` on.

    A date counts when the weekly schedule (``bookings``' availability rules, read through the
    reverse relation ``availability_rules``) has hours on its weekday and no whole-day
    ``unavailable`` override takes the date off, or when an ``extra`` override adds hours on it.
    Dates are UTC dates, and bookings already made are not subtracted: a consultant with hours but
    every slot taken still counts (the booking page then shows the next free day). Two ``EXISTS``
    per date inside one query.
    """
    rule_model = Consultant._meta.get_field("availability_rules").related_model
    override_model = Consultant._meta.get_field("availability_overrides").related_model
    condition = Q()
    for offset in range(days):
        day = start + timedelta(days=offset)
        weekly = Exists(rule_model._default_manager.filter(consultant=OuterRef("pk"), weekday=day.weekday()))
        off = Exists(
            override_model._default_manager.filter(
                consultant=OuterRef("pk"), date=day, kind="unavailable", start_time__isnull=True
            )
        )
        condition |= Q(weekly) & ~Q(off)
    extra = Exists(
        override_model._default_manager.filter(
            consultant=OuterRef("pk"), kind="extra", date__gte=start, date__lt=start + timedelta(days=days)
        )
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
