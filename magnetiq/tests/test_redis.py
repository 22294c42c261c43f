"""With ``REDIS_URL`` set, the cache (and so the rate-limit counters) and the task queue live in Redis.

The settings are read from the environment at start-up, so each check runs in a fresh process with
``REDIS_URL`` pointing at a Redis database of its own on 127.0.0.1:6379; skipped when no Redis answers
there (as the PostgreSQL runs are skipped without a server).
"""

import json
import os
import socket
import subprocess
import sys
import uuid

import pytest
from django.conf import settings


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _redis_answers(), reason="Redis not reachable on 127.0.0.1:6379")

# Databases 14 (cache) and 15 (queue): far from the 0/1 a developer's REDIS_URL would use.
REDIS_URL = "redis://127.0.0.1:6379/14"

SCRIPT = r"""
import json, sys
import django
django.setup()
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django_tasks import default_task_backend
from magnetiq import ratelimit
from magnetiq.health import check_cache, check_tasks
from magnetiq.tests.tasks import add

key = sys.argv[1]
cache.set(key, "from-redis", 60)
result = add.enqueue(2, 3)
queued = default_task_backend.get_result(result.id).status
waiting = check_tasks()
call_command(
    "rqworker", "default", "--burst", "--job-class", "django_tasks_rq.Job", "--worker-class", "rq.SimpleWorker",
    verbosity=0,
)
done = default_task_backend.get_result(result.id)
print(json.dumps({
    "cache_backend": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"]["LOCATION"],
    "tasks_backend": settings.TASKS["default"]["BACKEND"],
    "queue_url": settings.RQ_QUEUES["default"]["URL"],
    "counter_store": type(ratelimit.counter_store()).__name__,
    "queued_status": str(queued),
    "status": str(done.status),
    "return_value": done.return_value,
    "health_waiting": waiting,
    "health_done": check_tasks(),
    "health_cache": check_cache(),
}))
"""


def _run(env_overrides: dict[str, str]) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "magnetiq.settings.local",
        "CACHE_URL": "",
        "TASKS_BACKEND": "",
        "RQ_REDIS_URL": "",
        **env_overrides,
    }
    key = f"redis-test-{uuid.uuid4().hex}"
    proc = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT, key],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    report["key"] = key
    return report


def test_redis_url_puts_the_cache_the_counters_and_the_task_queue_in_redis():
    import redis

    # A queue of this test's own: nothing left over from an interrupted run counts in the backlog.
    redis.Redis.from_url("redis://127.0.0.1:6379/15").flushdb()
    report = _run({"REDIS_URL": REDIS_URL})

    assert report["cache_backend"] == "django.core.cache.backends.redis.RedisCache"
    assert report["cache_location"] == "redis://127.0.0.1:6379/14"
    assert report["counter_store"] == "CacheCounters"
    assert report["tasks_backend"] == "django_tasks_rq.RQBackend"
    assert report["queue_url"] == "redis://127.0.0.1:6379/15"
    # Enqueued into Redis, then run by an RQ worker in another process step.
    assert report["queued_status"] == "READY"
    assert report["status"] == "SUCCESSFUL"
    assert report["return_value"] == 5
    # The detailed health report reads the queue in Redis.
    backend = "django_tasks_rq.RQBackend"
    assert report["health_waiting"] == {"status": "healthy", "backlog": 1, "failed": 0, "backend": backend}
    assert report["health_done"] == {"status": "healthy", "backlog": 0, "failed": 0, "backend": backend}
    assert report["health_cache"] == {"status": "healthy", "backend": "RedisCache"}
    # The cached value really is in Redis database 14 (Django's key format ":1:<key>").
    client = redis.Redis.from_url(REDIS_URL)
    assert client.exists(f":1:{report['key']}") == 1
    client.delete(f":1:{report['key']}")
