"""Local stand-ins for the vendors during the fuzz run, answering with the recorded vendor replies
the test suite uses (``*/tests/fixtures/``), served by :class:`magnetiq.testing.ReplayServer`.

:func:`start` opens one server per vendor and returns the environment variables that point the
app at them (the names ``magnetiq/settings/fuzz.py`` and ``base.py`` read). Stripe is localstripe
(stateful, started by ``fuzz/run.py``) behind a facade that answers the calls localstripe does not
implement (Connect accounts, account links, transfers, subscriptions) with recordings and forwards
everything else. Each stand-in answers any request it has no recording for with the vendor's own
"not found" shape, so an unexpected call reaches the app as a vendor 404, never as a hang.
"""

import argparse
import json
import os
import re
import shlex
import signal
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from magnetiq.testing import ReplayServer, Request

ROOT = Path(__file__).resolve().parent.parent
ZOOM = ROOT / "bookings" / "tests" / "fixtures" / "zoom"
OPENALEX = ROOT / "consulting" / "tests" / "fixtures"
ODOO = ROOT / "leads" / "tests" / "fixtures"
STRIPE_PAYMENTS = ROOT / "payments" / "tests" / "fixtures" / "stripe"
STRIPE_PAYOUTS = ROOT / "payouts" / "tests" / "fixtures" / "stripe"
SOCIAL = ROOT / "social" / "tests" / "fixtures"
SCOOPP = ROOT / "consultants" / "tests" / "fixtures" / "scoopp"
#: Timeout of one forwarded localstripe call (seconds); the app's own Stripe timeout is longer.
FORWARD_TIMEOUT = 10

Reply = tuple[int, bytes, dict[str, str]]
#: ``(method, path regex, status, recording)``; the first match answers.
Route = tuple[str, str, int, Path | None]


def _json(status: int, path: Path | None) -> Reply:
    body = path.read_bytes() if path else b""
    return status, body, {"Content-Type": "application/json"} if body else {}


def _router(routes: list[Route], not_found: bytes) -> Callable[[Request], Reply]:
    compiled = [(method, re.compile(pattern), status, path) for method, pattern, status, path in routes]

    def respond(request: Request) -> Reply:
        for method, pattern, status, path in compiled:
            if request.method == method and pattern.fullmatch(request.path):
                return _json(status, path)
        return 404, not_found, {"Content-Type": "application/json"}

    return respond


ZOOM_ROUTES: list[Route] = [
    ("POST", r"/oauth/token", 200, ZOOM / "oauth_token.json"),
    ("POST", r"/v2/users/me/meetings", 201, ZOOM / "meeting_create.json"),
    ("PATCH", r"/v2/meetings/\d+", 204, None),
    ("DELETE", r"/v2/meetings/\d+", 204, None),
]
OPENALEX_ROUTES: list[Route] = [
    ("GET", r"/authors", 200, OPENALEX / "authors_search_priem.json"),
    ("GET", r"/authors/[^/]+", 200, OPENALEX / "author_A5023888391.json"),
    ("GET", r"/works", 200, OPENALEX / "works_A5023888391.json"),
    ("GET", r"/institutions", 200, OPENALEX / "institutions_search_stanford.json"),
]
ODOO_ROUTES: list[Route] = [
    ("POST", r"/json/2/crm\.lead/create", 200, ODOO / "crm_lead_create.json"),
    ("POST", r"/json/2/crm\.lead/write", 200, ODOO / "crm_lead_write.json"),
]
SCOOPP_ROUTES: list[Route] = [
    ("POST", r"/v1/jobs", 202, SCOOPP / "job_started.json"),
    ("GET", r"/v1/jobs/[^/]+", 200, SCOOPP / "job_completed.json"),
    ("DELETE", r"/v1/jobs/[^/]+", 204, None),
]
STRIPE_RECORDED: list[Route] = [
    ("POST", r"/v1/accounts", 200, STRIPE_PAYOUTS / "account_new.json"),
    ("GET", r"/v1/accounts/[^/]+", 200, STRIPE_PAYOUTS / "account_complete.json"),
    ("POST", r"/v1/accounts/[^/]+", 200, STRIPE_PAYOUTS / "account_complete.json"),
    ("POST", r"/v1/account_links", 200, STRIPE_PAYOUTS / "account_link.json"),
    ("POST", r"/v1/transfers", 200, STRIPE_PAYOUTS / "transfer.json"),
    ("POST", r"/v1/subscriptions", 200, STRIPE_PAYMENTS / "subscription_incomplete.json"),
    ("GET", r"/v1/subscriptions/[^/]+", 200, STRIPE_PAYMENTS / "subscription_active.json"),
]


def _paypal(request: Request) -> Reply:
    if request.method == "POST" and request.path == "/v1/oauth2/token":
        body = {"access_token": "A21AAFuzzToken", "token_type": "Bearer", "expires_in": 32400}
    elif request.method == "POST" and request.path == "/v1/notifications/verify-webhook-signature":
        body = {"verification_status": "SUCCESS"}
    else:
        return 404, b'{"name": "RESOURCE_NOT_FOUND"}', {"Content-Type": "application/json"}
    return 200, json.dumps(body).encode(), {"Content-Type": "application/json"}


def _oauth_redirect(request: Request) -> Reply:
    """A network's authorisation page that approves at once: back to ``redirect_uri`` with a code."""
    query = {name: values[0] for name, values in request.query.items()}
    target = query.get("redirect_uri", "")
    if not target.startswith(("http://", "https://")):
        return 400, b'{"error": "invalid_request"}', {"Content-Type": "application/json"}
    back = urllib.parse.urlencode({"code": "standin-code", "state": query.get("state", "")})
    return 302, b"", {"Location": f"{target}{'&' if '?' in target else '?'}{back}"}


def _linkedin(url: Callable[[], str]) -> Callable[[Request], Reply]:
    """LinkedIn: authorisation, tokens, userinfo, image upload, posts, engagement (``url()``: the
    stand-in's own address, for the image upload address it hands out)."""
    recorded = _router(
        [
            ("POST", r"/oauth/v2/accessToken", 200, SOCIAL / "linkedin" / "token.json"),
            ("GET", r"/v2/userinfo", 200, SOCIAL / "linkedin" / "userinfo.json"),
            ("PUT", r"/dms-uploads/.*", 201, None),
            ("GET", r"/rest/socialActions/[^/]+", 200, SOCIAL / "linkedin" / "social_actions.json"),
            ("GET", r"/rest/networkSizes/[^/]+", 200, SOCIAL / "linkedin" / "network_size.json"),
        ],
        b'{"message": "Not Found", "status": 404}',
    )

    def respond(request: Request) -> Reply:
        if request.method == "GET" and request.path == "/oauth/v2/authorization":
            return _oauth_redirect(request)
        if request.method == "POST" and request.path == "/rest/images":
            body = (SOCIAL / "linkedin" / "image_initialize.json").read_bytes().replace(b"{base}", url().encode())
            return 200, body, {"Content-Type": "application/json"}
        if request.method == "POST" and request.path == "/rest/posts":
            return 201, b"", {"x-restli-id": f"urn:li:share:{7141234567890000000 + len(request.body)}"}
        return recorded(request)

    return respond


def _x() -> Callable[[Request], Reply]:
    """X: authorisation (PKCE), tokens, users/me, media upload, tweets, engagement."""
    recorded = _router(
        [
            ("POST", r"/2/oauth2/token", 200, SOCIAL / "x" / "token.json"),
            ("GET", r"/2/users/me", 200, SOCIAL / "x" / "users_me.json"),
            ("POST", r"/2/media/upload", 200, SOCIAL / "x" / "media_upload.json"),
            ("POST", r"/2/tweets", 201, SOCIAL / "x" / "tweet_1.json"),
            ("GET", r"/2/tweets", 200, SOCIAL / "x" / "tweets_metrics.json"),
        ],
        b'{"title": "Not Found Error", "status": 404}',
    )

    def respond(request: Request) -> Reply:
        if request.method == "GET" and request.path == "/i/oauth2/authorize":
            return _oauth_redirect(request)
        return recorded(request)

    return respond


def _stripe_facade(localstripe_url: str) -> Callable[[Request], Reply]:
    recorded = _router(STRIPE_RECORDED, b"")

    def respond(request: Request) -> Reply:
        status, body, headers = recorded(request)
        if status != 404:
            return status, body, headers
        query = urllib.parse.urlencode(request.query, doseq=True)
        url = f"{localstripe_url}{request.path}" + (f"?{query}" if query else "")
        forwarded = {
            name: value
            for name, value in request.headers.items()
            if name.lower() in {"authorization", "content-type", "idempotency-key", "stripe-version"}
        }
        outgoing = urllib.request.Request(  # noqa: S310  (loopback localstripe)
            url, data=request.body or None, headers=forwarded, method=request.method
        )
        try:
            with urllib.request.urlopen(outgoing, timeout=FORWARD_TIMEOUT) as response:  # noqa: S310
                return response.status, response.read(), {"Content-Type": "application/json"}
        except urllib.error.HTTPError as error:
            return error.code, error.read(), {"Content-Type": "application/json"}

    return respond


#: Every vendor a stand-in exists for; ``make run`` uses :data:`DEV_VENDORS`.
VENDORS = ("stripe", "zoom", "openalex", "odoo", "paypal", "scoopp", "linkedin", "x")
#: The stand-ins of ``make run``: the vendors whose absence makes an endpoint answer 503 ("not
#: configured"). Zoom and OpenAlex work without configuration (the consultant's own meeting room;
#: OpenAlex's public API), so development keeps their real behaviour.
DEV_VENDORS = ("stripe", "odoo", "paypal", "scoopp", "linkedin", "x")
#: The variable whose presence (environment or ``.env``) means a vendor is really configured.
CONFIGURED_BY = {
    "stripe": "STRIPE_SECRET_KEY",
    "odoo": "ODOO_URL",
    "paypal": "PAYPAL_CLIENT_ID",
    "linkedin": "LINKEDIN_CLIENT_ID",
    "x": "X_CLIENT_ID",
    "scoopp": "SCOOPP_API_KEY",
}


def start(stack: ExitStack, localstripe_url: str, vendors: tuple[str, ...] = VENDORS) -> dict[str, str]:
    """Open the stand-ins of ``vendors`` on free loopback ports (closed when ``stack`` closes) and
    return the environment that points the app at them: ``{"STRIPE_API_BASE": "http://127.0.0.1:…",
    …}``."""

    def serve(respond: Callable[[Request], Reply]) -> str:
        return stack.enter_context(ReplayServer(respond)).url

    environment: dict[str, str] = {}
    if "stripe" in vendors:
        environment |= {
            "STRIPE_SECRET_KEY": "sk_test_localstripe",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_localstripe",
            "STRIPE_WEBHOOK_SECRET": "whsec_localstripe",
            "STRIPE_API_BASE": serve(_stripe_facade(localstripe_url)),
            "STRIPE_JS_URL": f"{localstripe_url}/js.stripe.com/v3/",
            "STRIPE_SUBSCRIPTION_PRICE_ID": "price_fuzz",
        }
    if "zoom" in vendors:
        zoom = serve(_router(ZOOM_ROUTES, b'{"code": 3001, "message": "Meeting does not exist."}'))
        environment |= {
            "ZOOM_ACCOUNT_ID": "fuzz-account",
            "ZOOM_CLIENT_ID": "fuzz-client",
            "ZOOM_CLIENT_SECRET": "fuzz-secret",
            "ZOOM_OAUTH_URL": f"{zoom}/oauth/token",
            "ZOOM_API_URL": f"{zoom}/v2",
        }
    if "openalex" in vendors:
        environment |= {
            "OPENALEX_BASE_URL": serve(_router(OPENALEX_ROUTES, b'{"error": "Not found"}')),
            "OPENALEX_MAILTO": "fuzz@magnetiq.local",
        }
    if "odoo" in vendors:
        odoo_not_found = b'{"name": "werkzeug.exceptions.NotFound", "message": "Not Found"}'
        environment |= {
            "ODOO_URL": serve(_router(ODOO_ROUTES, odoo_not_found)),
            "ODOO_DATABASE": "magnetiq-fuzz",
            "ODOO_API_KEY": "fuzz-api-key",
        }
    if "paypal" in vendors:
        environment |= {
            "PAYPAL_API_BASE": serve(_paypal),
            "PAYPAL_CLIENT_ID": "fuzz-client",
            "PAYPAL_CLIENT_SECRET": "fuzz-secret",
            "PAYPAL_WEBHOOK_ID": "WH-FUZZ",
        }
    if "scoopp" in vendors:
        scoopp = serve(_router(SCOOPP_ROUTES, (SCOOPP / "error_not_found.json").read_bytes()))
        environment |= {
            "SCOOPP_API_KEY": "fuzz-scoopp-key",
            "SCOOPP_BASE_URL": f"{scoopp}/v1",
            "SCOOPP_WEBHOOK_SECRET": "fuzz-scoopp-webhook-secret",
        }
    if "linkedin" in vendors:
        address: list[str] = []
        address.append(serve(_linkedin(lambda: address[0])))
        environment |= {
            "LINKEDIN_CLIENT_ID": "standin-client",
            "LINKEDIN_CLIENT_SECRET": "standin-secret",
            "LINKEDIN_AUTH_URL": f"{address[0]}/oauth/v2",
            "LINKEDIN_API_URL": address[0],
        }
    if "x" in vendors:
        x_url = serve(_x())
        environment |= {
            "X_CLIENT_ID": "standin-client",
            "X_CLIENT_SECRET": "standin-secret",
            "X_AUTHORIZE_URL": f"{x_url}/i/oauth2/authorize",
            "X_API_URL": x_url,
        }
    return environment


def unconfigured(vendors: tuple[str, ...], dotenv: Path) -> tuple[str, ...]:
    """The ``vendors`` whose :data:`CONFIGURED_BY` variable is set neither in the environment nor
    in ``dotenv`` (the project's ``.env``): a real configuration is never replaced by a stand-in."""
    configured = set(os.environ)
    if dotenv.exists():
        configured |= {
            line.split("=", 1)[0].strip()
            for line in dotenv.read_text().splitlines()
            if "=" in line and not line.lstrip().startswith("#") and line.split("=", 1)[1].strip()
        }
    return tuple(vendor for vendor in vendors if CONFIGURED_BY.get(vendor) not in configured)


def main() -> None:
    """``python -m fuzz.standins --localstripe URL --env-file PATH``: serve the development
    stand-ins (:data:`DEV_VENDORS` not configured in the environment or ``.env``) until stopped, after
    writing the variables that point the app at them to PATH (``KEY=value`` lines for ``set -a; .``).
    ``make run`` starts it beside localstripe."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--localstripe", required=True, help="localstripe's base URL")
    parser.add_argument("--env-file", required=True, type=Path)
    options = parser.parse_args()
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    with ExitStack() as stack:
        vendors = unconfigured(DEV_VENDORS, ROOT / ".env")
        environment = start(stack, options.localstripe.rstrip("/"), vendors)
        partial = options.env_file.with_suffix(".partial")
        partial.write_text("".join(f"{name}={shlex.quote(value)}\n" for name, value in environment.items()))
        partial.replace(options.env_file)  # whole or absent: make run waits for it
        print(f"Stand-ins for {', '.join(vendors) or 'no vendor'} on loopback.", flush=True)
        stopped.wait()


if __name__ == "__main__":
    main()
