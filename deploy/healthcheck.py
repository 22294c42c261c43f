"""The Docker health check: ``python -m deploy.healthcheck`` exits 0 when the web server in this
container answers ``/api/v1/health/ready`` with 200 within 4 seconds, else 1 with the reason.

It asks ``127.0.0.1`` on ``BIND``'s port with the first of ``DJANGO_ALLOWED_HOSTS`` as the Host
header (Django refuses other hosts); the health paths are exempt from the HTTPS redirect.
"""

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    port = os.environ.get("BIND", "0.0.0.0:8000").rsplit(":", 1)[-1]
    hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",") if h.strip()]
    host = next((h.lstrip(".") for h in hosts if h != "*"), "localhost")
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/health/ready", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310 - a fixed loopback URL
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"unhealthy: /api/v1/health/ready answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
