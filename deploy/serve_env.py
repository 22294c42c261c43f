"""The settings ``make serve`` needs to start the production settings locally:
``eval "$(python -m deploy.serve_env var/serve.env [NAME=value …])"``.

The production settings refuse to start without ``DJANGO_SECRET_KEY``, ``DJANGO_ALLOWED_HOSTS`` and
a JWT key pair. On the first run this writes the file: a random secret key, loopback host names, a
new key pair under ``var/keys/serve_*.pem``, and what a plain-HTTP loopback server needs (no HTTPS
redirect, console e-mail). An existing file is kept (delete it to make a new one). Every run then
prints ``export NAME='value'`` lines for the file's names that neither the environment nor ``.env``
sets, so those two always win over it; the ``NAME=value`` arguments are exported the same way (defaults
that depend on the command line, such as ``SITE_URL``, never stored).
"""

import os
import secrets
import shlex
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
JWT_NAMES = frozenset({"JWT_PRIVATE_KEY", "JWT_PUBLIC_KEY", "JWT_PRIVATE_KEY_PATH", "JWT_PUBLIC_KEY_PATH"})


def read_env_file(path: Path) -> dict[str, str]:
    """``NAME=value`` lines of ``path`` (``#`` comments, blank lines and empty values skipped)."""
    if not path.exists():
        return {}
    values = {}
    for raw in path.read_text().splitlines():
        line = raw.strip().removeprefix("export ").strip()
        if line and not line.startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            value = value.strip().strip("'\"")
            if value:
                values[name.strip()] = value
    return values


def new_serve_settings(keys_dir: Path) -> dict[str, str]:
    """A fresh set: random secret key, loopback hosts, a key pair written to ``keys_dir``."""
    from magnetiq.keys import ensure_dev_keys

    private, public = keys_dir / "serve_private.pem", keys_dir / "serve_public.pem"
    ensure_dev_keys(private, public)
    return {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "JWT_PRIVATE_KEY_PATH": str(private),
        "JWT_PUBLIC_KEY_PATH": str(public),
        # Plain HTTP on loopback: no redirect to https (put a TLS proxy in front for real traffic).
        "SECURE_SSL_REDIRECT": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "ENVIRONMENT": "local-production",
    }


def exports(serve: dict[str, str], taken: set[str]) -> list[str]:
    """``export`` lines for the names of ``serve`` not in ``taken``; the JWT paths only when no JWT
    variable is taken (a pair must come from one place)."""
    lines = []
    for name, value in serve.items():
        if name in taken or (name in JWT_NAMES and taken & JWT_NAMES):
            continue
        lines.append(f"export {name}={shlex.quote(value)}")
    return lines


def main(argv: list[str]) -> int:
    if not argv or any("=" not in arg for arg in argv[1:]):
        print("usage: python -m deploy.serve_env FILE [NAME=value ...]", file=sys.stderr)
        return 2
    target = Path(argv[0])
    defaults = dict(arg.split("=", 1) for arg in argv[1:])
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        values = new_serve_settings(PROJECT_DIR / "var" / "keys")
        header = "# Written by deploy/serve_env.py for make serve; .env and the environment win; delete to renew.\n"
        target.write_text(header + "".join(f"{name}={value}\n" for name, value in values.items()))
        target.chmod(0o600)
        print(f"Wrote {target}.", file=sys.stderr)
    taken = {name for name, value in os.environ.items() if value} | set(read_env_file(PROJECT_DIR / ".env"))
    print("\n".join(exports({**defaults, **read_env_file(target)}, taken)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
