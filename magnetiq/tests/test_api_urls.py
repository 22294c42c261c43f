"""The /api/v1 router's last route: any address no API view answers is the JSON 404."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/admin/consultants/%C2%84"])
def test_unknown_api_path_is_enveloped_404_for_every_method_without_csrf_token(method, path):
    """A write without a CSRF token gets the JSON 404 too, not Django's HTML CSRF 403."""
    client = APIClient(enforce_csrf_checks=True)
    response = getattr(client, method)(path, {"a": 1}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "NOT_FOUND"
