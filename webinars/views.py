"""Public pages: the webinar list, one page per webinar with the registration form, and the
visitor's cancel page (reached from the link in their e-mails).

Only published webinars are shown; everything else is the site's 404 page. Text follows the
visitor's language (``request.LANGUAGE_CODE``), times are shown in the webinar's own zone with
its offset. Business errors of the services (full, duplicate, closed) become form errors.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import Truncator
from django.views.decorators.http import require_http_methods

from content.portable_text import to_html, to_plain_text
from magnetiq.exceptions import ApplicationError
from magnetiq.translation import pick_language, request_language

from . import selectors, services
from .exceptions import RegistrationNotFound
from .forms import WebinarFilterForm, WebinarRegistrationForm
from .models import RegistrationStatus, Webinar
from .notifications import format_start

PAGE_SIZE = 9

LABELS = {
    "en": {
        "heading": "Webinars",
        "intro": "Live sessions with our consultants: practical, free of sales talk, with time for your questions.",
        "search": "Search",
        "search_placeholder": "Topic, title…",
        "when": "When",
        "topic": "Topic",
        "language": "Language",
        "apply": "Show webinars",
        "results": "webinars",
        "none": "No webinar matches these filters.",
        "previous": "Previous",
        "next": "Next",
        "page": "Page",
        "of": "of",
        "minutes": "minutes",
        "free": "Free",
        "seats_left": "seats left",
        "full": "Fully booked — join the waiting list",
        "speaker": "Speaker",
        "back": "All webinars",
        "register": "Register",
        "register_heading": "Register now",
        "waitlist_heading": "Join the waiting list",
        "closed": "Registration for this webinar is closed.",
        "cancelled": "This webinar has been cancelled.",
        "registered": "You are registered. The confirmation with the calendar invite is on its way to {email}.",
        "waitlisted": "The webinar is full: you are number {position} on the waiting list. We will e-mail {email} "
        "as soon as a seat is yours.",
        "bot": "Your registration could not be processed.",
        "cancel_heading": "Cancel your registration",
        "cancel_text": "Do you want to cancel your registration for this webinar? Your seat goes to the next person "
        "on the waiting list.",
        "cancel_button": "Yes, cancel my registration",
        "cancel_done": "Your registration is cancelled.",
        "already_cancelled": "This registration is already cancelled.",
        "price": "Price",
        "duration": "Duration",
        "date": "Date",
    },
    "de": {
        "heading": "Webinare",
        "intro": "Live-Sessions mit unseren Beratern: praxisnah, ohne Verkaufsgespräch, mit Zeit für Ihre Fragen.",
        "search": "Suche",
        "search_placeholder": "Thema, Titel…",
        "when": "Zeitraum",
        "topic": "Thema",
        "language": "Sprache",
        "apply": "Webinare anzeigen",
        "results": "Webinare",
        "none": "Kein Webinar passt zu diesen Filtern.",
        "previous": "Zurück",
        "next": "Weiter",
        "page": "Seite",
        "of": "von",
        "minutes": "Minuten",
        "free": "Kostenlos",
        "seats_left": "Plätze frei",
        "full": "Ausgebucht — Warteliste möglich",
        "speaker": "Referent",
        "back": "Alle Webinare",
        "register": "Anmelden",
        "register_heading": "Jetzt anmelden",
        "waitlist_heading": "Auf die Warteliste",
        "closed": "Die Anmeldung für dieses Webinar ist geschlossen.",
        "cancelled": "Dieses Webinar wurde abgesagt.",
        "registered": "Sie sind angemeldet. Die Bestätigung mit der Kalendereinladung geht an {email}.",
        "waitlisted": "Das Webinar ist ausgebucht: Sie stehen auf Platz {position} der Warteliste. Wir schreiben "
        "an {email}, sobald ein Platz frei ist.",
        "bot": "Ihre Anmeldung konnte nicht verarbeitet werden.",
        "cancel_heading": "Anmeldung stornieren",
        "cancel_text": "Möchten Sie Ihre Anmeldung für dieses Webinar stornieren? Ihr Platz geht an die nächste "
        "Person auf der Warteliste.",
        "cancel_button": "Ja, Anmeldung stornieren",
        "cancel_done": "Ihre Anmeldung ist storniert.",
        "already_cancelled": "Diese Anmeldung ist bereits storniert.",
        "price": "Preis",
        "duration": "Dauer",
        "date": "Termin",
    },
}


def _card(webinar: Webinar, lang: str) -> dict:
    return {
        "webinar": webinar,
        "title": pick_language(webinar.title, lang),
        "start": format_start(webinar, lang),
        "seats_left": selectors.seats_left(webinar),
        "summary": Truncator(to_plain_text(pick_language(webinar.description, lang) or [])).chars(180),
    }


def webinar_list(request):
    """``/webinars/``: upcoming by default; ``when``, ``q``, ``topic``, ``language`` and ``page``, 9 per page."""
    lang = request_language(request)
    topics = selectors.public_topics()
    form = WebinarFilterForm(request.GET or None, topics=topics, language=lang)
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
            "cards": [_card(webinar, lang) for webinar in page.object_list],
            "query_string": query.urlencode(),
            "labels": LABELS[lang],
        },
    )


@require_http_methods(["GET", "POST"])
def webinar_detail(request, slug: str):
    """``/webinars/<slug>/``: details, seats left and the registration form (POST registers).

    A successful registration redirects back here with a message (registered, or the waiting-list
    position); service errors (already registered, closed) are shown on the form.
    """
    webinar = get_object_or_404(Webinar.objects.visible().select_related("speaker").with_counts(), slug=slug)
    lang = request_language(request)
    labels = LABELS[lang]
    form = WebinarRegistrationForm(request.POST or None, language=lang)
    if request.method == "POST" and webinar.is_open_for_registration():
        if form.is_bot:
            form.add_error(None, labels["bot"])
        elif form.is_valid():
            data = {name: value for name, value in form.cleaned_data.items() if name != "nickname"}
            try:
                registration = services.webinar_register(webinar=webinar, language=lang, **data)
            except ApplicationError as exc:
                _form_errors(form, exc)
            else:
                if registration.status == RegistrationStatus.WAITLISTED:
                    text = labels["waitlisted"].format(
                        position=registration.waitlist_position, email=registration.email
                    )
                else:
                    text = labels["registered"].format(email=registration.email)
                messages.success(request, text)
                return redirect(webinar.get_absolute_url())
    blocks = pick_language(webinar.description, lang) or []
    title = pick_language(webinar.title, lang)
    local = webinar.local_start()
    return render(
        request,
        "webinars/detail.html",
        {
            "webinar": webinar,
            "title": title,
            "description_html": to_html(blocks),
            "seo_description": Truncator(to_plain_text(blocks)).chars(160) or labels["intro"],
            "start": format_start(webinar, lang),
            "local_iso": local.isoformat(),
            "seats_left": selectors.seats_left(webinar),
            "open": webinar.is_open_for_registration(),
            "form": form,
            "labels": labels,
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
    labels = LABELS[lang]
    if request.method == "POST":
        if registration.status != RegistrationStatus.CANCELLED:
            services.webinar_registration_cancel(registration=registration)
            messages.success(request, labels["cancel_done"])
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
            "labels": labels,
        },
    )
