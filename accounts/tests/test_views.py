import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("accounts.tests.urls")]


def _url(user, token=None) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"/accounts/reset-password/{uid}/{token or default_token_generator.make_token(user)}/"


def test_page_sets_password_once(client):
    user = UserFactory()
    url = _url(user)
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="new_password1"' in page.content
    done = client.post(url, {"new_password1": "Page-Set-Pass-66", "new_password2": "Page-Set-Pass-66"})
    assert done.status_code == 200
    assert b"Your password is set" in done.content
    user.refresh_from_db()
    assert user.check_password("Page-Set-Pass-66")
    assert client.get(url).status_code == 400


def test_page_errors(client):
    user = UserFactory()
    url = _url(user)
    mismatch = client.post(url, {"new_password1": "Page-Set-Pass-66", "new_password2": "Other-Pass-67"})
    assert mismatch.status_code == 422
    assert mismatch.context["form"].errors == {"new_password2": ["The two passwords differ."]}
    weak = client.post(url, {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 422
    assert "new_password1" in weak.context["form"].errors
    assert client.get(_url(user, token="bad-token")).status_code == 400
    assert client.get("/accounts/reset-password/zz/bad-token/").status_code == 400


def test_reset_page_in_german(client):
    user = UserFactory(email="ada@example.com")
    url = "/de" + _url(user)

    page = client.get(url).content.decode()
    mismatch = client.post(url, {"new_password1": "Page-Set-Pass-66", "new_password2": "Other-Pass-67"})
    done = client.post(url, {"new_password1": "Page-Set-Pass-66", "new_password2": "Page-Set-Pass-66"})

    assert "<title>Passwort wählen · Magnetiq</title>" in page
    assert '<label for="id_new_password2">Neues Passwort wiederholen:</label>' in page
    # Django's own catalogue has "Set password" too; an app's catalogue yields to the apps listed before it.
    assert '<button class="button" type="submit">Passwort setzen</button>' in page
    assert mismatch.context["form"].errors == {"new_password2": ["Die beiden Passwörter stimmen nicht überein."]}
    done_html = done.content.decode()
    assert "Ihr Passwort ist gesetzt. Sie können sich jetzt als ada@example.com damit anmelden." in done_html
    assert "Dieser Link ist ungültig, wurde schon benutzt oder ist abgelaufen." in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("path", "texts"),
    [
        (
            "/accounts/login/",
            ["<title> Sign In · Magnetiq</title>", '<label for="id_login">Email:</label>', ">Sign in</a>"],
        ),
        (
            "/de/accounts/login/",
            [
                "<title> Anmeldung · Magnetiq</title>",
                '<label for="id_login">E-Mail-Adresse:</label>',
                "Passwort vergessen?",
                '<a href="/de/accounts/login/">Anmelden</a>',
            ],
        ),
        ("/de/accounts/signup/", ["<title> Registrieren · Magnetiq</title>", "Passwort (Wiederholung)"]),
        ("/de/accounts/password/reset/", ["<title> Passwort zurücksetzen · Magnetiq</title>"]),
    ],
)
def test_allauth_pages_follow_the_language_of_the_address(client, path, texts):
    response = client.get(path)
    html = " ".join(response.content.decode().split())  # allauth's titles come with line breaks

    assert response.status_code == 200
    assert response["Content-Language"] == ("de" if path.startswith("/de/") else "en")
    for text in texts:
        assert text in html
