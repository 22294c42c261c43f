"""Public pages: the consultant directory and one profile per consultant.

Both show only ``Consultant.objects.public()``; anything else is the site's 404 page. UI text is
gettext in the visitor's language (``request.LANGUAGE_CODE``, set by ``LocaleMiddleware``); the bio
and meta description are content in that language, falling back to English. The directory runs a
constant number of queries: categories and spoken languages (cached per content version), count,
one page, and three for "Available this week" (``selectors.with_free_slot``). Photos are shown from
the crops made when they were saved (``consultants.photos``).
"""

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils.text import Truncator

from content.portable_text import to_html, to_plain_text
from magnetiq.pagecache import cache_public_page
from magnetiq.translation import pick_language, request_language

from . import selectors
from .forms import DirectoryFilterForm
from .models import Consultant
from .photos import photo_image
from .profile_sections import render_profile_sections

PAGE_SIZE = 24


@cache_public_page
def consultant_directory(request):
    """``/consultants/``: search (``q``), filters (``expertise``, ``language``, ``available``: a free
    slot starting in the next 7 days), sort and pagination (``page``), 24 per page; rates sort in US
    dollars (``settings.EXCHANGE_RATES``).

    Invalid filter values (an unknown expertise or sort) are shown as form errors and ignored.
    """
    categories = selectors.expertise_alphabetical(selectors.expertise_categories())
    form = DirectoryFilterForm(
        request.GET or None,
        expertise_names=[category.name for category in categories],
        languages=selectors.spoken_languages(),
    )
    arguments = form.search_arguments()
    if "sort_by" in arguments:
        consultants = selectors.public_consultant_search(**arguments)
    else:
        consultants = selectors.public_consultant_search(**arguments).order_by(*selectors.default_public_ordering())
    page = Paginator(consultants, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "consultants/directory.html",
        {
            "form": form,
            "page": page,
            "cards": [(consultant, photo_image(consultant, "card")) for consultant in page.object_list],
            "categories": categories,
            "query_string": query.urlencode(),
        },
    )


@cache_public_page
def consultant_detail(request, slug: str):
    """``/consultants/<slug>/``: a public profile with its bio in the visitor's language, else 404."""
    consultant = get_object_or_404(Consultant.objects.public(), slug=slug)
    lang = request_language(request)
    blocks = pick_language(consultant.bio, lang) or []
    description = pick_language(consultant.meta_description, lang) or Truncator(to_plain_text(blocks)).chars(160)
    headline = " · ".join(part for part in (consultant.title, consultant.company) if part)
    photo = photo_image(consultant, "profile")
    og_image = settings.SITE_URL + photo.src if photo else consultant.profile_image_url
    return render(
        request,
        "consultants/detail.html",
        {
            "consultant": consultant,
            "photo": photo,
            "og_image": og_image,
            "bio_html": to_html(blocks),
            # The site name follows in the <title>; the company stays in the headline and description.
            "seo_title": f"{consultant.full_name} — {consultant.title}" if consultant.title else consultant.full_name,
            "seo_description": description,
            "headline": headline,
            # Sections of higher apps (the approved reviews): consultants.profile_sections.
            "sections": render_profile_sections(request, consultant),
        },
    )
