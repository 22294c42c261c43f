"""The only module that talks to OpenAlex: one small module per outside service, so tests replace one thing.

OpenAlex's public REST API (no key needed; ``mailto`` puts us in the "polite pool"):

* ``GET /authors?search=<name>`` and ``GET /authors?filter=last_known_institutions.id:<I…>`` →
  ``{"meta": {"count", "page", "per_page", …}, "results": [Author, …]}``;
* ``GET /authors/<A…>`` or ``/authors/orcid:<ORCID>`` → one Author: ``id``
  (``https://openalex.org/A…``), ``orcid`` (``https://orcid.org/…`` or null), ``display_name``,
  ``works_count``, ``cited_by_count``, ``summary_stats`` (``h_index``, ``i10_index``),
  ``last_known_institutions`` (``[{id, ror, display_name, country_code, type}]``), ``topics``
  (``[{display_name, count, …}]``);
* ``GET /works?filter=author.id:<A…>&sort=cited_by_count:desc`` → Works: ``id``, ``doi``
  (``https://doi.org/…``), ``title``/``display_name``, ``publication_year``, ``primary_location``
  (``landing_page_url``, ``source.display_name``), ``cited_by_count``, ``abstract_inverted_index``;
* ``GET /institutions?search=<name>``, ``GET /institutions/<I…>`` or ``/institutions/ror:<ROR>``.

Every request goes through :func:`magnetiq.http.vendor_request` (connect timeout
``VENDOR_CONNECT_TIMEOUT_SECONDS``, read timeout ``OPENALEX_TIMEOUT_SECONDS``; all are GETs, so a
failed connection, a timeout, a 5xx or a 429 is retried with backoff) and never inside a database
transaction; settings from :mod:`consulting.conf`. Records leave this
module as small dataclasses (:class:`AuthorRecord`, :class:`WorkRecord`, :class:`InstitutionRecord`),
so no other module knows OpenAlex's JSON.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from magnetiq.http import VendorUnreachable, vendor_request

from . import conf
from .exceptions import OpenAlexError, OpenAlexNotFound

USER_AGENT = "Magnetiq researcher collection"
MAX_PER_PAGE = 200


# --- records ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstitutionRecord:
    openalex_id: str
    name: str
    ror: str = ""
    country_code: str = ""


@dataclass(frozen=True)
class AuthorRecord:
    openalex_id: str
    name: str
    orcid: str = ""
    institution: InstitutionRecord | None = None
    h_index: int | None = None
    i10_index: int | None = None
    citation_count: int | None = None
    works_count: int | None = None
    research_areas: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class WorkRecord:
    openalex_id: str
    title: str
    doi: str = ""
    year: int | None = None
    venue: str = ""
    url: str = ""
    abstract: str = ""
    cited_by_count: int | None = None


def short_id(value: str | None, prefix: str) -> str:
    """``https://openalex.org/A5023888391`` or ``a5023888391`` → ``A5023888391``; ``""`` when ``value``
    is not an OpenAlex id of kind ``prefix`` (``A`` author, ``W`` work, ``I`` institution)."""
    match = re.search(rf"(?:^|/)({prefix}\d+)$", (value or "").strip(), re.IGNORECASE)
    return match.group(1).upper() if match else ""


def bare_orcid(value: str | None) -> str:
    """``https://orcid.org/0000-0002-1825-0097`` → ``0000-0002-1825-0097`` (``""`` if not an ORCID)."""
    match = re.search(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dXx])$", (value or "").strip())
    return match.group(1).upper() if match else ""


def bare_doi(value: str | None) -> str:
    """``https://doi.org/10.1038/NATURE12373`` → ``10.1038/nature12373`` (``""`` if not a DOI)."""
    text = (value or "").strip()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
    return text.lower() if re.match(r"^10\.\d{4,9}/\S+$", text) else ""


def abstract_text(inverted: dict | None) -> str:
    """Rebuild the plain abstract from OpenAlex's ``abstract_inverted_index`` (word → positions)."""
    if not isinstance(inverted, dict):
        return ""
    positions: dict[int, str] = {}
    for word, places in inverted.items():
        for place in places if isinstance(places, list) else []:
            if isinstance(place, int):
                positions[place] = word
    return " ".join(positions[index] for index in sorted(positions))


def _int(value) -> int | None:
    return value if isinstance(value, int) and value >= 0 else None


def parse_institution(data: dict) -> InstitutionRecord | None:
    openalex_id = short_id(data.get("id"), "I")
    if not openalex_id:
        return None
    return InstitutionRecord(
        openalex_id=openalex_id,
        name=(data.get("display_name") or "").strip()[:255],
        ror=(data.get("ror") or "").strip(),
        country_code=(data.get("country_code") or "").strip(),
    )


def parse_author(data: dict) -> AuthorRecord:
    """An ``AuthorRecord`` from OpenAlex's Author JSON; raises :class:`OpenAlexError` without an id/name."""
    openalex_id = short_id(data.get("id"), "A")
    name = (data.get("display_name") or "").strip()
    if not openalex_id or not name:
        raise OpenAlexError(_("OpenAlex returned an author without id or name."), transient=False)
    institutions = data.get("last_known_institutions") or []
    institution = next((r for r in (parse_institution(i) for i in institutions if isinstance(i, dict)) if r), None)
    stats = data.get("summary_stats") or {}
    topics = [t.get("display_name", "").strip() for t in data.get("topics") or [] if isinstance(t, dict)]
    areas: list[str] = []
    for topic in topics:
        if topic and len(topic) <= 60 and topic.lower() not in {a.lower() for a in areas}:
            areas.append(topic)
    return AuthorRecord(
        openalex_id=openalex_id,
        name=name[:200],
        orcid=bare_orcid(data.get("orcid")),
        institution=institution,
        h_index=_int(stats.get("h_index")),
        i10_index=_int(stats.get("i10_index")),
        citation_count=_int(data.get("cited_by_count")),
        works_count=_int(data.get("works_count")),
        research_areas=areas[:10],
    )


def parse_work(data: dict) -> WorkRecord | None:
    """A ``WorkRecord`` from OpenAlex's Work JSON, or ``None`` for a work without id or title."""
    openalex_id = short_id(data.get("id"), "W")
    title = (data.get("title") or data.get("display_name") or "").strip()
    if not openalex_id or not title:
        return None
    location = data.get("primary_location") or {}
    source = location.get("source") or {}
    doi = bare_doi(data.get("doi"))
    url = (location.get("landing_page_url") or "").strip()
    if not url.startswith(("http://", "https://")):
        url = f"https://doi.org/{doi}" if doi else ""
    year = data.get("publication_year")
    return WorkRecord(
        openalex_id=openalex_id,
        title=title[:1000],
        doi=doi if len(doi) <= 255 else "",
        year=year if isinstance(year, int) and 1000 <= year <= 3000 else None,
        venue=(source.get("display_name") or "").strip()[:500],
        url=url if len(url) <= 1000 else "",
        abstract=abstract_text(data.get("abstract_inverted_index")),
        cited_by_count=_int(data.get("cited_by_count")),
    )


# --- HTTP ---------------------------------------------------------------------------------------


def _get(path: str, params: dict | None = None) -> dict:
    """GET ``<OPENALEX_BASE_URL><path>?<params>`` (plus ``mailto``/``api_key``) and decode the JSON.

    Raises :class:`OpenAlexNotFound` (404), :class:`OpenAlexError` (other statuses, network errors,
    timeouts, a body that is not a JSON object).
    """
    query = {k: v for k, v in (params or {}).items() if v not in (None, "")}
    if conf.get("OPENALEX_MAILTO"):
        query["mailto"] = conf.get("OPENALEX_MAILTO")
    if conf.get("OPENALEX_API_KEY"):
        query["api_key"] = conf.get("OPENALEX_API_KEY")
    base = str(conf.get("OPENALEX_BASE_URL")).rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise OpenAlexError(_("OPENALEX_BASE_URL must be an http(s) URL."), transient=False)
    url = f"{base}{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
    try:
        response = vendor_request(
            "GET",
            url,
            vendor="OpenAlex",
            read_timeout=float(conf.get("OPENALEX_TIMEOUT_SECONDS")),
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
        )
    except VendorUnreachable as error:
        raise OpenAlexError(
            _("OpenAlex could not be reached: %(reason)s") % {"reason": error.reason}, transient=True
        ) from None
    status = response.status_code
    if status == 404:
        raise OpenAlexNotFound()
    if status >= 400:
        raise OpenAlexError(
            _("OpenAlex answered %(status)s for %(path)s.") % {"status": status, "path": path},
            transient=status == 429 or status >= 500,
            http_status=status,
        )
    try:
        data = json.loads(response.content)
    except ValueError:
        raise OpenAlexError(_("OpenAlex answered with a body that is not JSON."), transient=True) from None
    if not isinstance(data, dict):
        raise OpenAlexError(_("OpenAlex answered with an unexpected JSON shape."), transient=False)
    return data


def _results(data: dict) -> list[dict]:
    results = data.get("results")
    if not isinstance(results, list):
        raise OpenAlexError(_("OpenAlex answered without a results list."), transient=False)
    return [r for r in results if isinstance(r, dict)]


def _per_page(limit: int) -> int:
    return max(1, min(int(limit), MAX_PER_PAGE))


def search_authors(name: str, *, limit: int = 10) -> list[AuthorRecord]:
    """Authors whose name matches ``name``, best match first (``GET /authors?search=``)."""
    data = _get("/authors", {"search": name, "per-page": _per_page(limit)})
    return [parse_author(item) for item in _results(data)][:limit]


def get_author(identifier: str) -> AuthorRecord:
    """One author by OpenAlex id (``A…`` or its URL) or ORCID. Raises :class:`OpenAlexNotFound`."""
    openalex_id = short_id(identifier, "A")
    orcid = bare_orcid(identifier)
    if openalex_id:
        path = f"/authors/{openalex_id}"
    elif orcid:
        path = f"/authors/orcid:{orcid}"
    else:
        raise OpenAlexError(
            _("“%(identifier)s” is neither an OpenAlex author id nor an ORCID iD.") % {"identifier": identifier},
            transient=False,
        )
    try:
        return parse_author(_get(path))
    except OpenAlexNotFound:
        raise OpenAlexNotFound(_("OpenAlex knows no author %(value)s.") % {"value": openalex_id or orcid}) from None


def author_works(openalex_id: str, *, limit: int) -> list[WorkRecord]:
    """The author's works, most cited first (``GET /works?filter=author.id:A…``)."""
    data = _get(
        "/works",
        {
            "filter": f"author.id:{short_id(openalex_id, 'A')}",
            "sort": "cited_by_count:desc",
            "per-page": _per_page(limit),
        },
    )
    works = [parse_work(item) for item in _results(data)]
    return [w for w in works if w is not None][:limit]


def find_institution(query: str) -> InstitutionRecord:
    """An institution by OpenAlex id (``I…``), ROR (``https://ror.org/…``) or name (best search match).
    Raises :class:`OpenAlexNotFound` when nothing matches."""
    openalex_id = short_id(query, "I")
    text = query.strip()
    try:
        if openalex_id:
            record = parse_institution(_get(f"/institutions/{openalex_id}"))
        elif re.match(r"^(https?://)?ror\.org/0[a-z0-9]{8}$", text, re.IGNORECASE):
            ror = text if text.startswith("http") else f"https://{text}"
            record = parse_institution(_get(f"/institutions/ror:{ror}"))
        else:
            results = _results(_get("/institutions", {"search": text, "per-page": 1}))
            record = parse_institution(results[0]) if results else None
    except OpenAlexNotFound:
        record = None
    if record is None:
        raise OpenAlexNotFound(_("OpenAlex knows no institution matching “%(query)s”.") % {"query": query})
    return record


def institution_authors(institution_id: str, *, limit: int) -> list[AuthorRecord]:
    """Authors whose last known institution is ``institution_id``, most cited first."""
    data = _get(
        "/authors",
        {
            "filter": f"last_known_institutions.id:{short_id(institution_id, 'I')}",
            "sort": "cited_by_count:desc",
            "per-page": _per_page(limit),
        },
    )
    return [parse_author(item) for item in _results(data)][:limit]
