"""Run the periodic commands of a crontab in the foreground: ``python -m deploy.scheduler [CRONTAB]``.

What cron would do, without needing cron (or root) in a container or on a laptop: at the start of
every UTC minute, each line of the crontab (default ``deploy/crontab``) whose five cron fields match
that minute is started as ``/bin/sh -c COMMAND`` in the project folder, with this Python's folder first
on ``PATH`` (so ``python`` is the project's interpreter). A job still running from its previous start
is not started again. Each start and end is logged with the exit status and duration (JSON lines
under the production settings, like every other process); a job's own output goes to this process's
output. SIGTERM or SIGINT stops starting jobs, waits up to
``--grace`` seconds (30) for running ones, then terminates them.

A crontab line that is not five valid cron fields and a command stops the scheduler at start-up
(exit 2, with the line number). Fields are parsed by croniter (``*/5``, ranges, lists, names).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from croniter import croniter

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_CRONTAB = PROJECT_DIR / "deploy" / "crontab"

logger = logging.getLogger("magnetiq.scheduler")


class CrontabError(ValueError):
    """A line of the crontab that is not five cron fields and a command."""


@dataclass
class Job:
    """One crontab line: ``schedule`` (five cron fields), ``command`` (for /bin/sh), ``line`` (its number)."""

    schedule: str
    command: str
    line: int
    process: subprocess.Popen | None = field(default=None, repr=False)
    started: float = 0.0

    def due(self, minute: datetime) -> bool:
        """Whether the schedule matches ``minute`` (an aware UTC datetime; seconds are ignored)."""
        return croniter.match(self.schedule, minute.replace(second=0, microsecond=0))


def parse_crontab(text: str) -> list[Job]:
    """The jobs of a crontab's text; blank lines and ``#`` comments are skipped. Raises
    :class:`CrontabError` naming the first bad line."""
    jobs = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 5)
        if len(parts) < 6:
            raise CrontabError(f"line {number}: five cron fields and a command expected: {line!r}")
        schedule, command = " ".join(parts[:5]), parts[5]
        if not croniter.is_valid(schedule):
            raise CrontabError(f"line {number}: not a valid cron schedule: {schedule!r}")
        jobs.append(Job(schedule=schedule, command=command, line=number))
    return jobs


class Scheduler:
    """Starts due jobs once a minute (see the module docstring)."""

    def __init__(self, jobs: list[Job], *, cwd: Path = PROJECT_DIR, grace: float = 30.0):
        self.jobs = jobs
        self.cwd = cwd
        self.grace = grace
        self.stopping = False
        self.env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}

    def reap(self) -> None:
        """Log the end of every job that has finished since the last call."""
        for job in self.jobs:
            if job.process is not None and job.process.poll() is not None:
                took = time.monotonic() - job.started
                level = logging.INFO if job.process.returncode == 0 else logging.ERROR
                logger.log(level, "exit %s after %.1f s: %s", job.process.returncode, took, job.command)
                job.process = None

    def tick(self, minute: datetime) -> list[Job]:
        """Start the jobs due at ``minute``; return those started."""
        self.reap()
        started = []
        for job in self.jobs:
            if not job.due(minute):
                continue
            if job.process is not None:
                logger.warning("still running since its last start, not started again: %s", job.command)
                continue
            job.process = subprocess.Popen(["/bin/sh", "-c", job.command], cwd=self.cwd, env=self.env)  # noqa: S603
            job.started = time.monotonic()
            logger.info("started (pid %s): %s", job.process.pid, job.command)
            started.append(job)
        return started

    def running(self) -> list[Job]:
        return [job for job in self.jobs if job.process is not None and job.process.poll() is None]

    def stop(self, *_signal) -> None:
        self.stopping = True

    def run(self) -> None:
        """Tick at the start of every minute until :meth:`stop`, then wait for the running jobs."""
        logger.info("scheduler started with %d jobs", len(self.jobs))
        while not self.stopping:
            now = datetime.now(UTC)
            next_minute = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
            # Short sleeps so a signal stops the loop promptly and finished jobs are reaped.
            while not self.stopping and datetime.now(UTC) < next_minute:
                time.sleep(min(1.0, max(0.0, (next_minute - datetime.now(UTC)).total_seconds())))
                self.reap()
            if not self.stopping:
                self.tick(next_minute)
        self.shutdown()

    def shutdown(self) -> None:
        deadline = time.monotonic() + self.grace
        while self.running() and time.monotonic() < deadline:
            time.sleep(0.2)
        for job in self.running():
            logger.warning("terminating after %.0f s grace: %s", self.grace, job.command)
            job.process.terminate()
            job.process.wait(timeout=10)
        self.reap()
        logger.info("scheduler stopped")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("crontab", nargs="?", type=Path, default=DEFAULT_CRONTAB)
    parser.add_argument("--grace", type=float, default=30.0, help="seconds running jobs get after SIGTERM")
    args = parser.parse_args(argv)
    handler = logging.StreamHandler()
    if os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith(".production"):
        # The same JSON lines as the web and worker processes (magnetiq/logging.py).
        from magnetiq.logging import JSONFormatter

        handler.setFormatter(JSONFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    try:
        jobs = parse_crontab(args.crontab.read_text())
    except (OSError, CrontabError) as exc:
        print(f"{args.crontab}: {exc}", file=sys.stderr)
        return 2
    scheduler = Scheduler(jobs, grace=args.grace)
    signal.signal(signal.SIGTERM, scheduler.stop)
    signal.signal(signal.SIGINT, scheduler.stop)
    scheduler.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
