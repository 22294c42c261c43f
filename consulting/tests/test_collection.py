"""OpenAlex collection jobs against recorded replies served over local HTTP: by author, by
institution, idempotent re-runs, and a clear ``failed`` state when OpenAlex cannot be reached."""

import pytest

from accounts.models import Role
from consultants.models import Consultant, ConsultantStatus
from consulting import openalex_gateway, services
from consulting.models import CollectionJob, CollectionStatus, Paper, ResearcherProfile, ResearcherSource
from consulting.tests.conftest import auth, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

COLLECT = "/api/v1/consulting/researchers/collect"
BY_INSTITUTION = "/api/v1/consulting/researchers/collect-by-institution"


@pytest.fixture
def staff(db):
    return make_user(
        "data@magnetiq.example", Role.VIEWER, "consulting.add_collectionjob", "consulting.view_collectionjob"
    )


@pytest.fixture
def priem(fake_openalex):
    fake_openalex.route("/authors", "authors_search_priem.json", search="Jason Priem")
    fake_openalex.route("/authors/A5023888391", "author_A5023888391.json")
    fake_openalex.route("/authors/orcid:0000-0001-6187-6610", "author_A5023888391.json")
    fake_openalex.route("/works", "works_A5023888391.json", filter="author.id:A5023888391")
    return fake_openalex


@pytest.fixture
def stanford(fake_openalex):
    fake_openalex.route("/institutions", "institutions_search_stanford.json", search="Stanford University")
    fake_openalex.route("/authors", "authors_institution_I97018004.json", filter="last_known_institutions.id:I97018004")
    fake_openalex.route("/works", "works_A5000000101.json", filter="author.id:A5000000101")
    fake_openalex.route("/works", "works_A5000000202.json", filter="author.id:A5000000202")
    return fake_openalex


def collect(api_client, user, django_capture_on_commit_callbacks, url=COLLECT, **payload):
    with django_capture_on_commit_callbacks(execute=True):
        response = auth(api_client, user).post(url, payload, format="json")
    job = CollectionJob.objects.order_by("-pk").first()
    return response, job


def test_collect_by_name_creates_a_pending_researcher_with_papers(
    api_client, staff, priem, django_capture_on_commit_callbacks
):
    response, job = collect(
        api_client, staff, django_capture_on_commit_callbacks, name="Jason Priem", affiliation="OurResearch"
    )
    assert response.status_code == 202, response.json()
    assert response.json()["message"] == "Researcher data collection started for Jason Priem."
    assert response.json()["data"]["status"] == "pending"  # the task runs after the commit
    job.refresh_from_db()
    assert job.status == CollectionStatus.COMPLETED, job.error
    assert (job.researchers_found, job.researchers_created, job.researchers_updated, job.papers_saved) == (1, 1, 0, 3)
    profile = ResearcherProfile.objects.get()
    assert list(job.researchers.all()) == [profile]
    consultant = profile.consultant
    assert (consultant.first_name, consultant.last_name) == ("Jason", "Priem")
    assert consultant.email == "openalex-a5023888391@researchers.invalid"
    assert consultant.status == ConsultantStatus.PENDING
    assert consultant.company == "OurResearch"
    assert profile.source == ResearcherSource.OPENALEX
    assert profile.openalex_id == "A5023888391"
    assert profile.orcid == "0000-0001-6187-6610"
    assert profile.affiliation == "OurResearch"
    assert profile.institution_openalex_id == "I4210166444"
    assert profile.institution_ror == "https://ror.org/02nr0ka47"
    assert (profile.h_index, profile.i10_index, profile.citation_count, profile.works_count) == (20, 30, 4215, 53)
    assert profile.research_areas == [
        "scientometrics and bibliometrics research",
        "Open Access and Scholarly Communication",
    ]
    papers = {p.openalex_id: p for p in profile.papers.all()}
    assert set(papers) == {"W2741809807", "W1964141474", "W3123456789"}  # the untitled work is skipped
    oa = papers["W2741809807"]
    assert oa.doi == "10.7717/peerj.4375"
    assert (oa.year, oa.venue, oa.url, oa.cited_by_count) == (2018, "PeerJ", "https://peerj.com/articles/4375", 1003)
    assert oa.abstract.startswith("Despite growing interest in Open Access")
    assert papers["W3123456789"].doi == ""
    assert papers["W3123456789"].url == ""
    # what was asked of OpenAlex: the polite pool's mailto on every call
    assert (
        "/authors",
        {"search": "Jason Priem", "per-page": "10", "mailto": "data@magnetiq.example"},
    ) in priem.requests
    works_query = next(q for path, q in priem.requests if path == "/works")
    assert works_query["sort"] == "cited_by_count:desc"
    assert all(q["mailto"] == "data@magnetiq.example" for _, q in priem.requests)


def test_recollecting_updates_instead_of_duplicating(api_client, staff, priem, django_capture_on_commit_callbacks):
    collect(api_client, staff, django_capture_on_commit_callbacks, openalex_id="https://openalex.org/A5023888391")
    profile = ResearcherProfile.objects.get()
    profile.consultant.first_name = "Jay"  # a staff edit survives a re-collect
    profile.consultant.save()
    profile.h_index = 1
    profile.save()
    _, job = collect(api_client, staff, django_capture_on_commit_callbacks, orcid="0000-0001-6187-6610")
    job.refresh_from_db()
    assert job.status == CollectionStatus.COMPLETED
    assert (job.researchers_created, job.researchers_updated) == (0, 1)
    assert ResearcherProfile.objects.count() == 1
    assert Consultant.objects.count() == 1
    assert Paper.objects.count() == 3
    profile.refresh_from_db()
    assert profile.h_index == 20
    assert profile.consultant.first_name == "Jay"


def test_collect_by_institution(api_client, staff, stanford, django_capture_on_commit_callbacks):
    response, job = collect(
        api_client, staff, django_capture_on_commit_callbacks, url=BY_INSTITUTION, institution="Stanford University"
    )
    assert response.status_code == 202
    assert response.json()["message"] == "Data collection for institution Stanford University started in background."
    job.refresh_from_db()
    assert job.status == CollectionStatus.COMPLETED, job.error
    assert (job.researchers_found, job.researchers_created, job.papers_saved) == (2, 2, 2)
    li = ResearcherProfile.objects.get(openalex_id="A5000000101")
    ng = ResearcherProfile.objects.get(openalex_id="A5000000202")
    assert li.affiliation == ng.affiliation == "Stanford University"
    assert li.institution_ror == "https://ror.org/00f54p054"
    # ImageNet was collected with Fei-Fei Li first: it stays hers (its primary researcher)
    assert Paper.objects.get(openalex_id="W2108598243").researcher == li
    assert list(ng.papers.values_list("openalex_id", flat=True)) == ["W2163605009"]
    detail = auth(api_client, staff).get(f"/api/v1/consulting/collection-jobs/{job.pk}")
    assert detail.status_code == 200
    assert detail.json()["data"]["researcher_ids"] == sorted([li.consultant_id, ng.consultant_id])


def test_unreachable_openalex_fails_the_job_clearly(
    api_client, staff, openalex_down, django_capture_on_commit_callbacks
):
    response, job = collect(api_client, staff, django_capture_on_commit_callbacks, name="Jason Priem")
    assert response.status_code == 202
    job.refresh_from_db()
    assert job.status == CollectionStatus.FAILED
    assert job.error.startswith("OpenAlex could not be reached: ")
    assert job.finished_at is not None
    assert not ResearcherProfile.objects.exists()


def test_server_errors_and_unknown_authors_fail_the_job(staff, fake_openalex, django_capture_on_commit_callbacks):
    fake_openalex.route("/authors", "error_503.json", status=503, search="Busy")
    with django_capture_on_commit_callbacks(execute=True):
        busy = services.collection_job_create(kind="by_author", query="Busy", actor=staff)
        unknown = services.collection_job_create(kind="by_author", query="A999", actor=staff)
        nowhere = services.collection_job_create(kind="by_institution", query="I1", actor=staff)
    for job in (busy, unknown, nowhere):
        job.refresh_from_db()
    assert (busy.status, busy.error) == (CollectionStatus.FAILED, "OpenAlex answered 503 for /authors.")
    assert (unknown.status, unknown.error) == (CollectionStatus.FAILED, "OpenAlex knows no author A999.")
    assert (nowhere.status, nowhere.error) == (CollectionStatus.FAILED, "OpenAlex knows no institution matching “I1”.")


def test_retry_runs_a_failed_job_again(staff, priem, settings, django_capture_on_commit_callbacks):
    good_url = settings.OPENALEX_BASE_URL
    settings.OPENALEX_BASE_URL = "http://127.0.0.1:9"  # discard port: nothing answers
    settings.OPENALEX_TIMEOUT_SECONDS = 2
    with django_capture_on_commit_callbacks(execute=True):
        job = services.collection_job_create(
            kind="by_author", query="Jason Priem", params={"affiliation": "ourresearch"}, actor=staff
        )
    job.refresh_from_db()
    assert job.status == CollectionStatus.FAILED
    settings.OPENALEX_BASE_URL = good_url
    settings.OPENALEX_TIMEOUT_SECONDS = 10  # the stand-in answers; a loaded machine must not time it out
    with django_capture_on_commit_callbacks(execute=True):
        services.collection_job_retry(job=job, actor=staff)
    job.refresh_from_db()
    assert (job.status, job.error, job.attempts) == (CollectionStatus.COMPLETED, "", 2)
    # a finished job is not run twice
    assert services.collection_job_run(job_id=job.pk).status == CollectionStatus.COMPLETED
    assert CollectionJob.objects.get(pk=job.pk).attempts == 2


def test_collection_is_staff_only(api_client, client_user, priem):
    assert api_client.post(COLLECT, {"name": "x"}, format="json").status_code == 401
    assert auth(api_client, client_user).post(COLLECT, {"name": "x"}, format="json").status_code == 403
    viewer = make_user("v@magnetiq.example", Role.VIEWER, "consulting.view_collectionjob")
    assert auth(api_client, viewer).post(BY_INSTITUTION, {"institution": "x"}, format="json").status_code == 403
    assert auth(api_client, client_user).get("/api/v1/consulting/collection-jobs/1").status_code == 403
    assert auth(api_client, viewer).get("/api/v1/consulting/collection-jobs/999").status_code == 404
    assert not CollectionJob.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [({}, "name"), ({"orcid": "1234"}, "orcid"), ({"openalex_id": "W12"}, "openalex_id"), ({"limit": 99}, "limit")],
)
def test_collect_input_errors(api_client, staff, payload, field):
    response = auth(api_client, staff).post(COLLECT, payload, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == field


def test_gateway_parsing_helpers():
    assert openalex_gateway.short_id("https://openalex.org/a5023888391", "A") == "A5023888391"
    assert openalex_gateway.short_id("W12", "A") == ""
    assert openalex_gateway.bare_orcid("https://orcid.org/0000-0002-1825-009x") == "0000-0002-1825-009X"
    assert openalex_gateway.bare_doi("doi:10.1000/ABC") == "10.1000/abc"
    assert openalex_gateway.bare_doi("11.1000/abc") == ""
    assert openalex_gateway.abstract_text({"world": [1], "Hello": [0], "again": [2, "x"]}) == "Hello world again"
    assert openalex_gateway.abstract_text(None) == ""
