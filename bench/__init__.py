"""``make bench``: the public pages and API under gunicorn against a bare Django view (``run.py``)."""
