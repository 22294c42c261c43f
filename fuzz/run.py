"""``python -m fuzz.run`` (``make fuzz``): schemathesis over every operation of the OpenAPI schema,
against a live server, as three identities, expecting zero server errors.

Steps: a fresh SQLite database ``var/fuzz/fuzz.sqlite3`` (``DATABASE_URL``), migrations, the cache
table, the demo data (``load_demo_data``), a client and a super admin with access tokens minted
directly (``fuzz/identities.py``); localstripe and the recorded-response stand-ins of the other
vendors (``fuzz/standins.py``) on free loopback ports; ``manage.py runserver --noreload`` with
``magnetiq.settings.fuzz`` on a free loopback port; then ``st run`` once per identity (anonymous,
``client``, ``super_admin``; ``Authorization: Bearer …``). Everything started here is stopped on the
way out, also on Ctrl-C.

Output under ``var/fuzz/``: ``<identity>.txt`` (schemathesis' console output, with a curl line
per failure), ``<identity>/junit.xml``, ``server.log`` (the tracebacks of any 500),
``localstripe.log``. Exit status 0 when every identity's run passed, 1 otherwise (the failing
operations and their reproductions are printed at the end), 2 when the set-up failed.

Options: ``--max-examples`` (test cases per operation and phase, default ``FUZZ_MAX_EXAMPLES`` or
10), ``--workers`` (default 2), ``--seed`` (default 1: the same cases every run, so CI is
repeatable; ``--seed random`` for a new one), ``--identity`` (repeatable; default all three),
``--include-path-regex`` (only matching operations, to reproduce one failure quickly), ``--phases``
(default ``examples,fuzzing``; add ``coverage`` for schemathesis' boundary-value phase, about 20 minutes
per identity), ``--serve`` (set up, print the server URL and the tokens, serve until Ctrl-C).
"""

import argparse
import fcntl
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from contextlib import ExitStack
from pathlib import Path

from fuzz import standins

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "fuzz"
PYTHON = sys.executable
ST = str(Path(sys.executable).with_name("st"))
IDENTITIES = ("anonymous", "client", "super_admin")
#: Checks of every response: no 5xx, the response matches the schema (status code documented,
#: content type, headers, body), and an operation that declares authentication refuses a request
#: without it or with a broken token (``ignored_auth``, RELIABILITY A-16). Schemathesis' other
#: checks (negative_data_rejection etc.) judge the API design, not crashes, and are left to a
#: separate review.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "ignored_auth",
)
#: Schemathesis' phases by default. The coverage phase (every boundary and invalid value the schema
#: allows: 100-600 requests per operation, over 20 000 per identity) takes far longer than CI's
#: five minutes on two cores; ``--phases examples,coverage,fuzzing`` runs it.
PHASES = "examples,fuzzing"
#: Seconds one request may take before schemathesis counts it as failed.
REQUEST_TIMEOUT = 30
STARTUP_TIMEOUT = 60


class SetupFailed(Exception):
    """A step before the fuzzing failed (its output is in the message)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, name: str) -> None:
    """Poll ``url`` until it answers (any HTTP status); :class:`SetupFailed` if ``process`` exits
    or ``STARTUP_TIMEOUT`` seconds pass."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310  (loopback)
            return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, OSError):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SetupFailed(f"{name} did not start ({url}); see var/fuzz/{name}.log") from None
            time.sleep(0.2)


def manage(env: dict[str, str], *args: str) -> str:
    """Run ``manage.py <args>``; its stdout, or :class:`SetupFailed` with its output."""
    print(f"manage.py {' '.join(args)}", flush=True)
    result = subprocess.run(  # noqa: S603  (our own manage.py, fixed arguments)
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SetupFailed(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def start(stack: ExitStack, command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start ``command`` in its own process group (output to ``log``); the group is terminated,
    then killed, when ``stack`` closes."""
    handle = stack.enter_context(log.open("w"))
    process = subprocess.Popen(  # noqa: S603  (fixed commands of this script)
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )

    def stop() -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    stack.callback(stop)
    return process


def fresh_database() -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    database = OUT / "fuzz.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    return database


def st_run(base: str, identity: str, token: str | None, options: argparse.Namespace) -> int:
    """One schemathesis run; the console output goes to the terminal and ``<identity>.txt``.

    It runs in ``var/fuzz/``, so schemathesis' cache of earlier failures (``.schemathesis/``, replayed
    first on the next run) stays there."""
    report = OUT / identity
    command = [
        ST,
        "run",
        f"{base}/api/schema/",
        "--url",
        base,
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(options.max_examples),
        "--workers",
        str(options.workers),
        "--request-timeout",
        str(REQUEST_TIMEOUT),
        "--phases",
        options.phases,
        "--suppress-health-check",
        "all",
        "--generation-database",
        "none",
        "--report",
        "junit",
        "--report-dir",
        str(report),
        "--report-junit-path",
        str(report / "junit.xml"),
        "--no-color",
    ]
    if options.seed != "random":
        command += ["--seed", options.seed]
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
    for pattern in options.include_path_regex:
        command += ["--include-path-regex", pattern]
    print(f"\n=== schemathesis as {identity} ===", flush=True)
    with (OUT / f"{identity}.txt").open("w") as log:
        process = subprocess.Popen(command, cwd=OUT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # noqa: S603
        try:
            for line in process.stdout:
                sys.stdout.write(line)
                log.write(line)
            return process.wait()
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait()


def failures(identity: str) -> list[tuple[str, str]]:
    """``[(operation, failure text)]`` from an identity's JUnit report."""
    path = OUT / identity / "junit.xml"
    if not path.exists():
        return [("(no report)", f"schemathesis wrote no {path}")]
    found = []
    for case in ET.parse(path).getroot().iter("testcase"):  # noqa: S314  (our own report file)
        for problem in [*case.iter("failure"), *case.iter("error")]:
            found.append((case.get("name", "?"), (problem.get("message") or "") + "\n" + (problem.text or "")))
    return found


def summarise(results: dict[str, int]) -> int:
    """Print the failing operations per identity with their reproductions; the exit status."""
    print("\n=== fuzz summary ===")
    status = 0
    for identity, code in results.items():
        found = failures(identity)
        server_errors = sum("Server error" in text for _, text in found)
        print(f"{identity}: exit {code}, {len(found)} failing operation(s), {server_errors} with server errors")
        for operation, text in found:
            print(f"  - {operation}")
            for line in text.splitlines():
                if re.search(r"\bcurl\b|^\s*\d+\.|Server error|Reproduce", line):
                    print(f"      {line.strip()}")
        status = status or int(code != 0)
    print(f"Reports: {OUT.relative_to(ROOT)}/<identity>.txt, <identity>/junit.xml; tracebacks: var/fuzz/server.log")
    return status


def _interrupted(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("FUZZ_MAX_EXAMPLES", 10)))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", default="1")
    parser.add_argument("--phases", default=PHASES)
    parser.add_argument("--identity", action="append", choices=IDENTITIES)
    parser.add_argument("--include-path-regex", action="append", default=[])
    parser.add_argument("--serve", action="store_true", help="set up, print the URL and tokens, serve until Ctrl-C")
    options = parser.parse_args(argv)
    # SIGTERM (CI's timeout, kill) and SIGINT (also when started in the background, where the shell
    # ignores it) unwind through the ExitStack, so the servers started below are stopped.
    signal.signal(signal.SIGTERM, _interrupted)
    signal.signal(signal.SIGINT, _interrupted)

    started = time.monotonic()
    with ExitStack() as stack:
        OUT.mkdir(parents=True, exist_ok=True)
        lock = stack.enter_context((OUT / ".lock").open("w"))
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("Another fuzz run is using var/fuzz/; wait for it to finish.", file=sys.stderr)
            return 2
        database = fresh_database()
        try:
            localstripe_port = free_port()
            localstripe_url = f"http://127.0.0.1:{localstripe_port}"
            localstripe = start(
                stack,
                [
                    PYTHON,
                    "-c",
                    "import sys; from aiohttp import web; from localstripe.server import app; "
                    "web.run_app(app, host='127.0.0.1', port=int(sys.argv[1]))",
                    str(localstripe_port),
                ],
                os.environ.copy(),
                OUT / "localstripe.log",
            )
            wait_for(f"{localstripe_url}/js.stripe.com/v3/", localstripe, "localstripe")
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "magnetiq.settings.fuzz",
                "DATABASE_URL": f"sqlite:///{database}",
                "JWT_PRIVATE_KEY_PATH": str(OUT / "keys" / "jwt_private.pem"),
                "JWT_PUBLIC_KEY_PATH": str(OUT / "keys" / "jwt_public.pem"),
                "JWT_ACCESS_MINUTES": "120",
                "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
                "MEDIA_ROOT": str(OUT / "media"),
                "WHITEPAPER_PRIVATE_ROOT": str(OUT / "private"),
                **standins.start(stack, localstripe_url),
            }
            manage(env, "migrate", "--noinput")
            manage(env, "createcachetable")
            manage(env, "load_demo_data")
            result = subprocess.run(  # noqa: S603
                [PYTHON, "-m", "fuzz.identities"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
            )
            if result.returncode:
                raise SetupFailed(f"fuzz.identities failed:\n{result.stdout}{result.stderr}")
            tokens = {"anonymous": None, **json.loads(result.stdout)}
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            server = start(
                stack,
                [PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                env,
                OUT / "server.log",
            )
            wait_for(f"{base}/api/v1/health/live", server, "server")
        except SetupFailed as error:
            print(error, file=sys.stderr)
            return 2
        print(f"Set up in {time.monotonic() - started:.0f} s; server {base}, localstripe {localstripe_url}")
        if options.serve:
            print(json.dumps({"base": base, "tokens": tokens}), flush=True)
            try:
                server.wait()
            except KeyboardInterrupt:
                print("Stopping.")
            return 0
        results = {}
        for identity in options.identity or IDENTITIES:
            begun = time.monotonic()
            results[identity] = st_run(base, identity, tokens[identity], options)
            print(f"{identity}: {time.monotonic() - begun:.0f} s")
    status = summarise(results)
    print(f"Total {time.monotonic() - started:.0f} s")
    return status


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
