"""Public pages: the whitepaper catalogue, a landing page with the lead form, and the thank-you page.

Only ``Whitepaper.objects.published()`` is shown; anything else is the site's 404. Text follows
``request.LANGUAGE_CODE`` (German under ``/de/whitepapers/…``), falling back to English. The lead
form calls the same service as ``POST /api/v1/public/whitepapers/{id}/download`` and shares its
throttle.
"""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext

from leads.models import CONSENT_WORDING_VERSION
from magnetiq.exceptions import ApplicationError
from magnetiq.pagecache import cache_public_page, on_every_hit
from magnetiq.translation import request_language

from . import selectors, services
from .forms import UTM_FIELDS, CatalogueFilterForm, LeadForm
from .models import DownloadToken, Whitepaper
from .pdf import body_html
from .throttling import WhitepaperDownloadThrottle

PAGE_SIZE = 12


@cache_public_page
def whitepaper_list(request):
    """``/whitepapers/``: search (``q``), ``category`` and ``tag`` filters, 12 cards a page."""
    lang = request_language(request)
    form = CatalogueFilterForm(request.GET or None, categories=selectors.categories(), tags=selectors.tags())
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.public_whitepapers(q=filters.get("q"), category=filters.get("category"), tag=filters.get("tag"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    cards = [
        {
            "whitepaper": wp,
            "title": wp.title_for(lang),
            "summary": wp.summary_for(lang),
            "url": reverse("whitepapers:detail", args=[wp.slug]),
        }
        for wp in page.object_list
    ]
    return render(
        request,
        "whitepapers/list.html",
        {"form": form, "page": page, "cards": cards, "query": query.urlencode()},
    )


@cache_public_page
def whitepaper_detail(request, slug: str):
    """``/whitepapers/<slug>/``: landing page with the lead form; a valid POST redirects to the
    thank-you page carrying the raw token (``?t=…``). A filled honeypot is redirected there too,
    without a token, and nothing is stored."""
    lang = request_language(request)
    whitepaper = get_object_or_404(Whitepaper.objects.published().select_related("author", "cover_image"), slug=slug)
    throttled = False
    if request.method == "POST":
        form = LeadForm(request.POST)
        if not WhitepaperDownloadThrottle().allow_request(request, None):
            throttled = True
            form.is_valid()
            form.add_error(None, gettext("Too many requests from your network. Please wait a minute and try again."))
        elif form.is_valid():
            data = form.cleaned_data
            thanks = reverse("whitepapers:thanks", args=[whitepaper.slug])
            if data["website_url"].strip():
                return redirect(thanks)
            try:
                _, raw = services.download_request(
                    whitepaper=whitepaper,
                    email=data["email"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    company=data["company"],
                    website=data["website"],
                    phone=data["phone"],
                    consent_terms=data["consent_terms"],
                    consent_marketing=data["consent_marketing"],
                    language=lang,
                    utm={name: data[name] for name in UTM_FIELDS},
                    referrer=request.headers.get("Referer", ""),
                )
            except ApplicationError as exc:
                for detail in exc.details or [{"field": None, "message": exc.message}]:
                    field = detail.get("field")
                    form.add_error(field if field in form.fields else None, detail["message"])
            else:
                return redirect(f"{thanks}?t={raw}")
        status = 429 if throttled else 200
        if status == 200 and form.errors:
            status = 400
    else:
        form = LeadForm(initial={name: request.GET.get(name, "")[:200] for name in UTM_FIELDS})
        on_every_hit(request, services.whitepaper_count_view, whitepaper.pk)
        status = 200
    author = whitepaper.author
    context = {
        "whitepaper": whitepaper,
        "title": whitepaper.title_for(lang),
        "summary": whitepaper.summary_for(lang),
        "body": body_html(whitepaper, lang),
        "author": author,
        "cover_url": whitepaper.cover_image.file.url if whitepaper.cover_image_id else "",
        "form": form,
        "consent_version": CONSENT_WORDING_VERSION,
        "canonical": request.build_absolute_uri(whitepaper.get_absolute_url(lang)),
    }
    return render(request, "whitepapers/detail.html", context, status=status)


def whitepaper_thanks(request, slug: str):
    """``/whitepapers/<slug>/thanks/?t=<token>``: the download button when ``t`` is this
    whitepaper's live link, else only the "check your e-mail" note."""
    lang = request_language(request)
    whitepaper = get_object_or_404(Whitepaper.objects.published(), slug=slug)
    raw = request.GET.get("t", "")[:200]
    token = None
    if raw:
        token = DownloadToken.objects.filter(
            token_hash=services.token_digest(raw), whitepaper=whitepaper, lead__erased_at__isnull=True
        ).first()
    download = reverse("api:public-whitepaper-download", args=[raw]) if token is not None else ""
    response = render(
        request,
        "whitepapers/thanks.html",
        {"whitepaper": whitepaper, "title": whitepaper.title_for(lang), "download": download},
    )
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
