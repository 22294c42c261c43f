"""Public researcher endpoints: list/search/filters, detail, by paper, availability, time slots."""

from datetime import UTC, datetime

import pytest

from bookings.tests.factories import BookingFactory
from consultants.tests.factories import ConsultantFactory
from consulting.models import Paper
from consulting.tests.conftest import make_researcher

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

BASE = "/api/v1/consulting"


@pytest.fixture
def directory(researcher):
    """Rita (Stanford, Computer Vision), Bob (MIT, Robotics), a pending researcher and a consultant
    without a researcher profile."""
    bob = make_researcher(
        first_name="Bob",
        affiliation="Massachusetts Institute of Technology",
        research_areas=["Robotics"],
        institution_ror="https://ror.org/042nb2s44",
    )
    hidden = make_researcher(first_name="Hidden")
    hidden.consultant.status = "pending"
    hidden.consultant.save()
    ConsultantFactory(first_name="Plain")
    return {"rita": researcher, "bob": bob, "hidden": hidden}


def names(response) -> list[str]:
    return [r["name"] for r in response.json()["data"]["researchers"]]


def test_list_shows_public_researchers_only(api_client, directory):
    response = api_client.get(f"{BASE}/researchers")
    assert response.status_code == 200
    assert names(response) == ["Bob Researcher", "Rita Researcher"]
    rita = response.json()["data"]["researchers"][1]
    assert rita["affiliation"] == "Stanford University"
    assert rita["expertise"] == ["Machine Learning"]
    assert rita["research_areas"] == ["Computer Vision"]
    assert rita["h_index"] == 42
    assert rita["registered"] is True
    assert rita["rate"] is None
    assert "email" not in rita


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("search=stanford", ["Rita Researcher"]),
        ("query=robotics", ["Bob Researcher"]),
        ("area=computer vision", ["Rita Researcher"]),
        ("area=machine learning", ["Bob Researcher", "Rita Researcher"]),
        ("area=vision", []),
        ("institution=I97018004", ["Rita Researcher"]),
        ("institution=https://ror.org/042nb2s44", ["Bob Researcher"]),
        ("institution=massachusetts", ["Bob Researcher"]),
        ("search=hidden", []),
    ],
)
def test_list_filters(api_client, directory, query, expected):
    assert names(api_client.get(f"{BASE}/researchers?{query}")) == expected


def test_search_path_of_spec_004(api_client, directory):
    assert names(api_client.get(f"{BASE}/researchers/search?query=rita")) == ["Rita Researcher"]


def test_detail_and_404(api_client, directory):
    response = api_client.get(f"{BASE}/researchers/{directory['rita'].consultant_id}")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["name"] == "Rita Researcher"
    assert data["availability"]["monday"] == ["09:00-17:00"]
    assert data["timezone"] == "Europe/Berlin"
    assert [p["id"] for p in data["papers"]] == ["10.1234/dla.2023"]
    for hidden in (directory["hidden"].consultant_id, 999999):
        missing = api_client.get(f"{BASE}/researchers/{hidden}")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "RESEARCHER_NOT_FOUND"


@pytest.mark.parametrize("paper_id", ["10.1234/dla.2023", "https://doi.org/10.1234/DLA.2023", "W100"])
def test_researcher_by_paper(api_client, directory, paper_id):
    response = api_client.get(f"{BASE}/researchers/paper/{paper_id}")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["id"] == directory["rita"].consultant_id
    assert data["author"] is True
    assert data["paper"]["title"] == "Deep Learning Applications"


def test_researcher_by_unknown_or_hidden_paper(api_client, directory):
    assert api_client.get(f"{BASE}/researchers/paper/10.9/none").json()["error"]["code"] == "PAPER_NOT_FOUND"
    Paper.objects.create(researcher=directory["hidden"], title="Secret", openalex_id="W7")
    assert api_client.get(f"{BASE}/researchers/paper/W7").status_code == 404


def test_availability_of_a_day_in_the_visitors_zone(api_client, researcher):
    BookingFactory(consultant=researcher.consultant, start=datetime(2026, 6, 2, 8, tzinfo=UTC), duration_minutes=60)
    url = f"{BASE}/researchers/{researcher.consultant_id}/availability?date=2026-06-02&timezone=America/New_York"
    response = api_client.get(url)
    assert response.status_code == 200
    data = response.json()["data"]
    # Berlin 09:00–17:00 is 03:00–11:00 in New York; 10:00–11:00 Berlin (04:00 NY) is booked.
    assert data["availability"] == {
        "2026-06-02": [
            "03:00-04:00",
            "05:00-06:00",
            "05:30-06:30",
            "06:00-07:00",
            "06:30-07:30",
            "07:00-08:00",
            "07:30-08:30",
            "08:00-09:00",
            "08:30-09:30",
            "09:00-10:00",
            "09:30-10:30",
            "10:00-11:00",
        ]
    }
    assert data["duration_minutes"] == 60
    assert data["time_slots"][0]["id"] == f"{researcher.consultant_id}-20260602T0700Z"
    assert data["time_slots"][0]["start_local"] == "2026-06-02T03:00:00-04:00"


def test_time_slots_list_booked_slots_as_unavailable(api_client, researcher):
    BookingFactory(consultant=researcher.consultant, start=datetime(2026, 6, 2, 8, tzinfo=UTC), duration_minutes=60)
    response = api_client.get(f"{BASE}/time-slots?researcher_id={researcher.consultant_id}&date=2026-06-02")
    assert response.status_code == 200
    slots = response.json()["data"]["time_slots"]
    assert len(slots) == 15  # 09:00 … 16:00 Berlin every 30 minutes
    by_start = {s["start_time"]: s["available"] for s in slots}
    assert by_start["2026-06-02T07:00:00Z"] is True
    assert by_start["2026-06-02T07:30:00Z"] is False
    assert by_start["2026-06-02T08:00:00Z"] is False
    assert by_start["2026-06-02T08:30:00Z"] is False
    assert by_start["2026-06-02T09:00:00Z"] is True
    week = api_client.get(f"{BASE}/time-slots?researcher_id={researcher.consultant_id}&from=2026-06-02&to=2026-06-03")
    assert len(week.json()["data"]["time_slots"]) == 30


def test_time_slot_by_id(api_client, researcher):
    ok = api_client.get(f"{BASE}/time-slots/{researcher.consultant_id}-20260602T0700Z")
    assert ok.status_code == 200
    assert ok.json()["data"]["available"] is True
    assert ok.json()["data"]["end_time"] == "2026-06-02T08:00:00Z"
    outside = api_client.get(f"{BASE}/time-slots/{researcher.consultant_id}-20260602T0300Z")
    assert outside.status_code == 404
    assert api_client.get(f"{BASE}/time-slots/nonsense").status_code == 422


def test_time_slots_reject_bad_queries(api_client, researcher):
    assert api_client.get(f"{BASE}/time-slots").status_code == 422
    assert (
        api_client.get(f"{BASE}/time-slots?researcher_id={researcher.consultant_id}&timezone=Nowhere").status_code
        == 422
    )
    wide = api_client.get(f"{BASE}/time-slots?researcher_id={researcher.consultant_id}&from=2026-06-01&to=2026-08-01")
    assert wide.status_code == 422
