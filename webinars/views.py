"""Public pages: the webinar list, one page per webinar with the registration form, and the
visitor's cancel page (reached from the link in their e-mails).

Only published webinars are shown; everything else is the site's 404 page. Text follows the
visitor's language (``request.LANGUAGE_CODE``). Times are shown in the visitor's zone, always named
with its offset: the ``tz`` cookie (set by ``static/js/visitor-timezone.js`` from the booking pages'
zone picker or the browser's zone; a key cookie of the page cache), else the webinar's own zone.
Business errors of the services (full, duplicate, closed) become form errors.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import dateformat, translation
from django.utils.text import Truncator
from django.utils.translation import get_language_info, gettext_noop, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from content.portable_text import to_html, to_plain_text
from magnetiq.exceptions import ApplicationError
from magnetiq.formatting import format_clock_time
from magnetiq.pagecache import cache_public_page
from magnetiq.timezones import is_known_timezone
from magnetiq.translation import pick_language, request_language

from . import selectors, services
from .exceptions import RegistrationNotFound
from .forms import WebinarFilterForm, WebinarRegistrationForm
from .models import RegistrationStatus, Webinar
from .notifications import format_start

PAGE_SIZE = 9
#: The list page's introduction, also the description of a webinar page without one.
INTRO = gettext_noop("Live sessions with our consultants: practical, free of sales talk, with time for your questions.")


#: The cookie holding the visitor's IANA time zone (``Europe/Berlin``).
TIMEZONE_COOKIE = "tz"


def visitor_zone(request) -> str | None:
    """The visitor's zone from the ``tz`` cookie when it is a known IANA name, else ``None``."""
    zone = request.COOKIES.get(TIMEZONE_COOKIE)
    return zone if is_known_timezone(zone) else None


def start_in_zone(webinar: Webinar, language: str, zone: str | None) -> tuple[str, datetime]:
    """The webinar's start as ``Thursday, 15 January 2026, 3:00 PM (Europe/Berlin, UTC+01:00)`` in
    ``zone`` (default: the webinar's own zone) and ``language``, on the visitor's clock; and that
    local datetime. The zone is always named."""
    if not zone or zone == webinar.timezone:
        return format_start(webinar, language), webinar.local_start()
    local = webinar.starts_at.astimezone(ZoneInfo(zone))
    offset = local.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    with translation.override(language):
        day = dateformat.format(local, pgettext("webinar start date format", "l, j F Y"))
        return f"{day}, {format_clock_time(local, language=language)} ({zone}, {offset})", local


def language_name(code: str) -> str:
    """A webinar language's name in the active language (``German``/``Deutsch``), else its code."""
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code.upper()


def _card(webinar: Webinar, lang: str, zone: str | None = None) -> dict:
    return {
        "webinar": webinar,
        "title": pick_language(webinar.title, lang),
        "start": start_in_zone(webinar, lang, zone)[0],
        "language": language_name(webinar.language),
        "seats_left": selectors.seats_left(webinar),
        "summary": Truncator(to_plain_text(pick_language(webinar.description, lang) or [])).chars(180),
    }


@cache_public_page
def webinar_list(request):
    """``/webinars/``: upcoming by default; ``when``, ``q``, ``topic``, ``language`` and ``page``, 9 per page."""
    lang = request_language(request)
    topics = selectors.public_topics()
    form = WebinarFilterForm(request.GET or None, topics=topics)
    chosen = form.selection()
    webinars = selectors.public_webinars(
        when=chosen["when"], q=chosen["q"], topic=chosen["topic"], language=chosen["language"]
    )
    page = Paginator(webinars, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "webinars/list.html",
        {
            "form": form,
            "page": page,
            "cards": [_card(webinar, lang, visitor_zone(request)) for webinar in page.object_list],
            "zone_shown": visitor_zone(request) or "",
            "query_string": query.urlencode(),
            "intro": _(INTRO),
        },
    )


@require_http_methods(["GET", "POST"])
@cache_public_page
def webinar_detail(request, slug: str):
    """``/webinars/<slug>/``: details, seats left and the registration form (POST registers).

    A successful registration redirects back here with a message (registered, or the waiting-list
    position); service errors (already registered, closed) are shown on the form.
    """
    webinar = get_object_or_404(Webinar.objects.visible().select_related("speaker").with_counts(), slug=slug)
    lang = request_language(request)
    form = WebinarRegistrationForm(request.POST or None)
    if request.method == "POST" and webinar.is_open_for_registration():
        if form.is_bot:
            form.add_error(None, _("Your registration could not be processed."))
        elif form.is_valid():
            data = {name: value for name, value in form.cleaned_data.items() if name != "nickname"}
            try:
                registration = services.webinar_register(webinar=webinar, language=lang, **data)
            except ApplicationError as exc:
                _form_errors(form, exc)
            else:
                if registration.status == RegistrationStatus.WAITLISTED:
                    text = _(
                        "The webinar is full: you are number %(position)s on the waiting list. We will e-mail "
                        "%(email)s as soon as a seat is yours."
                    ) % {"position": registration.waitlist_position, "email": registration.email}
                else:
                    text = _(
                        "You are registered. The confirmation with the calendar invite is on its way to %(email)s."
                    ) % {"email": registration.email}
                messages.success(request, text)
                return redirect(webinar.get_absolute_url())
    blocks = pick_language(webinar.description, lang) or []
    title = pick_language(webinar.title, lang)
    start, local = start_in_zone(webinar, lang, visitor_zone(request))
    return render(
        request,
        "webinars/detail.html",
        {
            "webinar": webinar,
            "title": title,
            "description_html": to_html(blocks),
            "seo_description": Truncator(to_plain_text(blocks)).chars(160) or _(INTRO),
            "start": start,
            "language": language_name(webinar.language),
            "zone_shown": visitor_zone(request) or webinar.timezone,
            "local_iso": local.isoformat(),
            "seats_left": selectors.seats_left(webinar),
            "open": webinar.is_open_for_registration(),
            "form": form,
        },
        status=422 if request.method == "POST" and form.errors else 200,
    )


def _form_errors(form: WebinarRegistrationForm, exc: ApplicationError) -> None:
    placed = False
    for detail in exc.details:
        field = detail.get("field")
        if field in form.fields:
            form.add_error(field, detail.get("message") or exc.message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


@require_http_methods(["GET", "POST"])
def registration_cancel(request, reference: str):
    """``/webinars/registrations/<reference>/cancel/``: a confirm page; POST cancels (idempotent)."""
    try:
        registration = selectors.registration_get_by_reference(reference=reference)
    except RegistrationNotFound:
        raise Http404("No such registration.") from None
    lang = request_language(request)
    if request.method == "POST":
        if registration.status != RegistrationStatus.CANCELLED:
            services.webinar_registration_cancel(registration=registration)
            messages.success(request, _("Your registration is cancelled."))
        return redirect(request.path)
    webinar = registration.webinar
    return render(
        request,
        "webinars/cancel.html",
        {
            "registration": registration,
            "webinar": webinar,
            "title": pick_language(webinar.title, lang),
            "start": format_start(webinar, lang),
        },
    )
