"""``make bench``: the public pages and API under gunicorn, measured with wrk against a bare Django
view in the same settings, plus three scenarios. Not part of ``make test``.

1. Seeds a fresh SQLite database under ``var/bench/`` (``bench/seed.py``: the demo data topped up
   to 500 consultants, 50 whitepapers, 20 webinars, and two consultants for the booking scenarios).
2. Starts gunicorn (``WORKERS`` sync workers, default 2) with ``magnetiq.settings.bench``: DEBUG
   off, the default (database) cache, plain HTTP, plus the bare ``TemplateView`` at ``/bench/bare/``.
3. For each page: ``REPEATS`` wrk runs (``CONNECTIONS`` connections, ``SECONDS_PER_RUN`` seconds,
   anonymous, so cached pages are measured the way visitors get them), each between two runs of the
   bare view. A run's ratio is its requests per second over the mean of the bare runs just before
   and after it, so the machine's load at that moment cancels out; the page's ratio is the median.
4. 30 simultaneous bookings of one slot over HTTP (``ROUNDS`` rounds, each a fresh slot): exactly
   one may succeed, p99 of all requests.
5. In-process (``bench/scenarios.py``): availability of 60 days with 2 000 bookings against the one
   SQL query it needs; a whitepaper PDF through the service against WeasyPrint on the same HTML; an
   e-mail campaign to 1 000 leads through the send worker against plain ``smtplib`` sending the same
   messages to the same aiosmtpd server (in a process of its own).

Prints a table and exits 1 when any target is missed:
pages ≥ 0.8 × bare, the public consultant list ≥ 0.5 × bare, no non-2xx answers,
availability ≤ 2 × its query, booking race p99 < 250 ms with exactly one booking, PDF ≤ 1.2 × WeasyPrint,
campaign throughput ≥ 0.7 × plain smtplib with every message delivered once.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")

SECONDS = int(os.environ.get("SECONDS_PER_RUN", "3"))
REPEATS = int(os.environ.get("REPEATS", "3"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "8"))
WORKERS = int(os.environ.get("WORKERS", "2"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
BARE = "/bench/bare/"
WRK = shutil.which("wrk")

PAGE_TARGET = 0.8
API_TARGET = 0.5
AVAILABILITY_TARGET = 2.0
RACE_P99_TARGET_MS = 250.0
PDF_TARGET = 1.2
CAMPAIGN_TARGET = 0.7


@dataclass
class Wrk:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", text).groups()
    return float(number) * _UNITS[unit]


def wrk(base: str, path: str) -> Wrk:
    command = [WRK, f"-t{min(2, CONNECTIONS)}", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", base + path]
    out = subprocess.run(  # noqa: S603  (wrk with this script's own arguments)
        command,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return Wrk(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        p99_ms=_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
        errors=(int(errors.group(1)) if errors else 0)
        + (sum(int(n) for n in socket_errors.groups()) if socket_errors else 0),
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(base: str, method: str, path: str, body: dict | None = None) -> tuple[int, float, dict]:
    """One HTTP request on a new connection: status, milliseconds, JSON body ({} when not JSON)."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    started = time.perf_counter()
    try:
        payload = json.dumps(body) if body is not None else None
        connection.request(method, path, body=payload, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    elapsed = (time.perf_counter() - started) * 1000
    try:
        return response.status, elapsed, json.loads(raw)
    except ValueError:
        return response.status, elapsed, {}


def booking_race(base: str, consultant_id: int, round_number: int) -> tuple[list[int], list[float]]:
    """30 threads book the same slot at once; statuses and latencies (ms)."""
    day = (datetime.now(UTC) + timedelta(days=3 + round_number)).date()
    start = datetime(day.year, day.month, day.day, 10, tzinfo=UTC).isoformat().replace("+00:00", "Z")
    path = f"/api/v1/public/consultants/{consultant_id}/book-30for30"
    barrier = threading.Barrier(30)
    results: list[tuple[int, float]] = []
    lock = threading.Lock()

    def book(n: int) -> None:
        payload = {
            "scheduled_date": start,
            "timezone": "Europe/Berlin",
            "client_name": f"Racer {n}",
            "client_email": f"racer{round_number}-{n}@example.com",
        }
        barrier.wait()
        status, elapsed, _ = request(base, "POST", path, payload)
        with lock:
            results.append((status, elapsed))

    threads = [threading.Thread(target=book, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [status for status, _ in results], [elapsed for _, elapsed in results]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def run_python(args: list[str], env: dict) -> dict:
    done = subprocess.run([PYTHON, *args], cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"{' '.join(args)} failed.")
    return json.loads(done.stdout.strip().splitlines()[-1])


def start_server(env: dict, port: int) -> subprocess.Popen:
    command = [GUNICORN, "magnetiq.wsgi", "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}"]
    with open(WORK / "gunicorn.log", "ab") as log:  # the 409s of the booking race are logged there
        server = subprocess.Popen(  # noqa: S603  (our gunicorn, fixed arguments)
            command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if server.poll() is not None:
            break
        try:
            if request(base, "GET", BARE)[0] == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit(f"gunicorn did not answer: see {WORK / 'gunicorn.log'}.")


def main() -> int:
    if WRK is None:
        raise SystemExit("wrk is missing: install Debian's 'wrk' package (make bench does as root).")
    started = time.monotonic()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "magnetiq.settings.bench",
        "DATABASE_URL": f"sqlite:///{WORK / 'bench.sqlite3'}",
        "MEDIA_ROOT": str(WORK / "media"),
        "WHITEPAPER_PRIVATE_ROOT": str(WORK / "private"),
        "WEB_CONCURRENCY": str(WORKERS),
        "PYTHONPATH": str(ROOT),
    }
    for name in ("CACHE_URL", "REDIS_URL"):
        env.pop(name, None)  # the default single-machine set-up: the database cache
    print("Seeding the bench database (demo data, 500 consultants, 50 whitepapers, 20 webinars)…", flush=True)
    seeded = run_python(["-m", "bench.seed"], env)
    pages = [
        ("home /", "/", PAGE_TARGET),
        ("directory /consultants/", "/consultants/", PAGE_TARGET),
        ("directory page 2 /consultants/?page=2", "/consultants/?page=2", PAGE_TARGET),
        ("consultant profile", f"/consultants/{seeded['consultant']}/", PAGE_TARGET),
        ("whitepaper landing", f"/whitepapers/{seeded['whitepaper']}/", PAGE_TARGET),
        ("webinar page", f"/webinars/{seeded['webinar']}/", PAGE_TARGET),
        ("/api/v1/public/consultants?limit=20", "/api/v1/public/consultants?limit=20", API_TARGET),
    ]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port)
    failures: list[str] = []
    rows = []
    try:
        for _, path, _ in pages:  # warm every worker's caches and connections
            for _ in range(4 * WORKERS):
                status = request(base, "GET", path)[0]
                if status != 200:
                    raise SystemExit(f"{path} answered {status}.")
        print(
            f"wrk: {CONNECTIONS} connections, {REPEATS} × {SECONDS} s per page between runs of the bare view, "
            f"{WORKERS} gunicorn workers…",
            flush=True,
        )
        bare = [wrk(base, BARE)]
        for label, path, target in pages:
            runs, ratios = [], []
            for _ in range(REPEATS):
                runs.append(wrk(base, path))
                bare.append(wrk(base, BARE))
                ratios.append(runs[-1].rps / ((bare[-2].rps + bare[-1].rps) / 2))
            measured = sorted(runs, key=lambda run: run.rps)[len(runs) // 2]
            ratio = statistics.median(ratios)
            rows.append((label, measured, statistics.median(b.rps for b in bare[-REPEATS - 1 :]), ratio, target))
            if ratio < target:
                failures.append(f"{label}: {ratio:.2f} × bare < {target}")
            if any(run.errors for run in runs):
                failures.append(f"{label}: {sum(run.errors for run in runs)} non-2xx answers or socket errors")
        print("Booking race: 30 simultaneous bookings of one slot…", flush=True)
        statuses: list[int] = []
        latencies: list[float] = []
        for round_number in range(ROUNDS):
            round_statuses, round_latencies = booking_race(base, seeded["free_consultant"], round_number)
            statuses += round_statuses
            latencies += round_latencies
            if sorted(round_statuses) != [201] + [409] * 29:
                failures.append(f"booking race round {round_number + 1}: statuses {sorted(round_statuses)}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print("Availability, PDF and e-mail campaign (in-process)…", flush=True)
    scenarios = run_python(["-m", "bench.scenarios", str(seeded["busy_consultant"])], env)

    print()
    print(f"{'page':40} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'bare req/s':>10} {'× bare':>7} {'target':>7}")
    for label, measured, bare_rps, ratio, target in rows:
        print(
            f"{label:40} {measured.rps:7.0f} {measured.p50_ms:7.2f} {measured.p99_ms:7.2f} {bare_rps:10.0f} "
            f"{ratio:7.2f} {'≥ ' + str(target):>7}"
        )
    print(
        f"(each row: the median of {REPEATS} runs; × bare is the median of each run over the mean of the bare "
        "runs just before and after it)"
    )

    race_p99 = percentile(latencies, 0.99)
    if race_p99 >= RACE_P99_TARGET_MS:
        failures.append(f"booking race p99 {race_p99:.0f} ms ≥ {RACE_P99_TARGET_MS:.0f} ms")
    availability = scenarios["availability"]
    availability_ratio = availability["ratio"]
    if availability_ratio > AVAILABILITY_TARGET:
        failures.append(f"availability {availability_ratio:.1f} × its query > {AVAILABILITY_TARGET}")
    pdf = scenarios["pdf"]
    pdf_ratio = pdf["ratio"]
    if pdf_ratio > PDF_TARGET:
        failures.append(f"PDF {pdf_ratio:.2f} × WeasyPrint > {PDF_TARGET}")
    campaign = scenarios["campaign"]
    if campaign["ratio"] < CAMPAIGN_TARGET:
        failures.append(f"campaign {campaign['ratio']:.2f} × smtplib < {CAMPAIGN_TARGET}")
    if campaign["delivered_per_run"] != [campaign["recipients"]]:
        failures.append(f"campaign delivered {campaign['delivered_per_run']} of {campaign['recipients']}")
    print()
    print(
        f"booking race: {ROUNDS} × 30 simultaneous requests for one slot, "
        f"{statuses.count(201)} booked, {statuses.count(409)} refused (409); "
        f"p50 {percentile(latencies, 0.5):.0f} ms, p99 {race_p99:.0f} ms (target < {RACE_P99_TARGET_MS:.0f} ms)"
    )
    print(
        f"availability: {availability['days']} days, {availability['bookings']} bookings "
        f"({availability['bookings_in_range']} in range), {availability['free_slots']} free slots: "
        f"{availability['service_ms']:.1f} ms vs {availability['query_ms']:.2f} ms for its one query "
        f"= {availability_ratio:.1f} × (target ≤ {AVAILABILITY_TARGET})"
    )
    print(
        f"PDF ({pdf['whitepaper']}): service {pdf['service_ms']:.0f} ms vs WeasyPrint {pdf['weasyprint_ms']:.0f} ms "
        f"on the same HTML = {pdf_ratio:.2f} × (target ≤ {PDF_TARGET})"
    )
    print(
        f"campaign: {campaign['recipients']} recipients, {campaign['campaign_per_s']:.0f} messages/s through the "
        f"worker vs {campaign['smtplib_per_s']:.0f}/s plain smtplib building the same messages = "
        f"{campaign['ratio']:.2f} × (target ≥ {CAMPAIGN_TARGET}); smtplib with the bytes built beforehand "
        f"{campaign['prebuilt_smtplib_per_s']:.0f}/s; the recipients snapshot took {campaign['snapshot_ms']:.0f} ms"
    )
    print(f"\nTook {time.monotonic() - started:.0f} s.")
    if failures:
        print("\nMISSED:\n  " + "\n  ".join(failures))
        return 1
    print("All targets met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
