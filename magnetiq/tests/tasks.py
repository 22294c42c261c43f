"""A task for the Redis queue test (magnetiq/tests/test_redis.py): the worker imports it by path."""

from django_tasks import task


@task()
def add(a: int, b: int) -> int:
    """``a + b``: a result only a worker that ran the task can have stored."""
    return a + b
