"""Fixtures shared by every app's tests."""

import os
from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient


def pytest_addoption(parser):
    parser.addoption(
        "--clock-shift",
        type=int,
        default=int(os.environ.get("MAGNETIQ_CLOCK_SHIFT_DAYS") or 0),
        metavar="DAYS",
        help="Run the whole session with the clock moved DAYS days (negative: back), ticking. "
        "Proves no test depends on the day it runs (make test-clock).",
    )


def pytest_configure(config):
    """Start the session-wide clock shift (in every xdist worker) before Django is set up, so
    everything in the process, threads and the live server included, sees the shifted day.
    Tests that freeze or move the clock with time-machine nest inside it."""
    days = config.getoption("--clock-shift")
    if days:
        import time_machine

        traveller = time_machine.travel(datetime.now(UTC) + timedelta(days=days), tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


def pytest_report_header(config):
    days = config.getoption("--clock-shift")
    if days:
        return f"clock shifted by {days:+d} days: today is {datetime.now(UTC):%Y-%m-%d} for this session"
    return None


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True)
def _default_language():
    """LocaleMiddleware activates a request's language in the worker thread and nothing resets it:
    start every test in English so a German page in one test cannot leak into the next."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle and lockout state lives in the cache: start every test with it empty."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (no browser download). Browser tests use the ``page``
    fixture, which points it at pytest-django's ``live_server``."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes in
    # between are still synchronous, so Django's async-safety check would refuse them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _open_tab(browser, live_server, **options):
    """A browser context and tab whose relative URLs go to the live server, and the list the
    Content-Security-Policy violations of its pages are collected in."""
    context = browser.new_context(base_url=live_server.url, **options)
    violations: list[str] = []
    context.expose_function("__cspViolation", lambda report: violations.append(report))
    # Init scripts run through the DevTools protocol, so the page's own policy does not block them.
    context.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => window.__cspViolation("
        "`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} on ${e.documentURI}`));"
    )
    tab = context.new_page()
    tab.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    tab.set_default_timeout(15_000)
    return context, tab, violations


def _close_tab(context, violations) -> None:
    context.close()
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations), pytrace=False)


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab whose relative URLs go to the live test server. The test fails at
    teardown if any page broke the Content-Security-Policy (a ``securitypolicyviolation`` event or
    Chromium's "Content Security Policy" console message)."""
    context, tab, violations = _open_tab(browser, live_server, locale="en-US", timezone_id="Europe/Berlin")
    yield tab
    _close_tab(context, violations)


@pytest.fixture
def mobile_page_de(browser, live_server):
    """Like ``page``, on a phone: a 390×844 viewport (touch, device scale 3) with the browser in German
    (``de-DE``, Europe/Berlin)."""
    context, tab, violations = _open_tab(
        browser,
        live_server,
        locale="de-DE",
        timezone_id="Europe/Berlin",
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        accept_downloads=True,
    )
    yield tab
    _close_tab(context, violations)


# --- localstripe: a fake, stateful Stripe on loopback for the payments tests ---------------------


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_server():
    """Start localstripe (the script next to ``sys.executable``) on a free port for the session and
    yield its base URL (``http://127.0.0.1:<port>``). ``--from-scratch``: nothing loaded from
    localstripe's pickle in /tmp, so every session starts empty."""
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request
    from pathlib import Path

    port = _free_port()
    script = Path(sys.executable).with_name("localstripe")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "localstripe"]
    process = subprocess.Popen(  # noqa: S603  (our own venv script, fixed arguments)
        [*command, "--port", str(port), "--from-scratch"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(f"{base}/js.stripe.com/v3/", timeout=1).close()  # noqa: S310
            break
        except (urllib.error.URLError, ConnectionError, OSError):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"localstripe did not start on port {port}") from None
            time.sleep(0.1)
    yield base
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def localstripe(localstripe_server, settings):
    """Point the Stripe gateway at the session's localstripe, emptied for this test
    (``DELETE /_config/data``). Yields the base URL."""
    import urllib.request

    flush = urllib.request.Request(f"{localstripe_server}/_config/data", method="DELETE")  # noqa: S310
    urllib.request.urlopen(flush).close()  # noqa: S310
    settings.STRIPE_SECRET_KEY = "sk_test_localstripe"  # noqa: S105  (localstripe accepts any sk_)
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_secret"  # noqa: S105
    settings.STRIPE_API_BASE = localstripe_server
    settings.STRIPE_JS_URL = f"{localstripe_server}/js.stripe.com/v3/"
    return localstripe_server


# --- a real SMTP server on loopback (magnetiq/tests/smtp.py) ------------------------------------


@pytest.fixture
def smtp_server(settings):
    """An aiosmtpd server on 127.0.0.1 for this test, with Django's SMTP backend pointed at it
    (``EMAIL_BACKEND``, ``EMAIL_HOST``, ``EMAIL_PORT``, no TLS, no login). Yields the
    :class:`magnetiq.tests.smtp.SMTPTestServer`: ``messages``, ``fail_next``, ``reject_recipient``,
    ``wait_for``."""
    from magnetiq.tests.smtp import SMTPTestServer

    with SMTPTestServer() as server:
        for name, value in server.django_settings().items():
            setattr(settings, name, value)
        yield server
