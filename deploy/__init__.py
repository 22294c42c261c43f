"""Serving Magnetiq: the gunicorn configuration, the scheduler of the periodic commands and its
crontab, and the compose smoke test (docs/operations.md)."""
