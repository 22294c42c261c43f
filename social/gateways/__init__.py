"""The only code that talks to the networks: ``linkedin`` and ``x``, one module each, on
``magnetiq.http.vendor_request`` (timeouts, bounded retries, never inside a transaction).
``common`` holds what both share: the answer types and how an HTTP answer becomes our error."""
