"""Development settings: DEBUG on, console e-mail, API docs open, JWT keys made on first start."""

from magnetiq.keys import ensure_dev_keys

from .base import *  # noqa: F403
from .base import JWT_PRIVATE_KEY_PATH, JWT_PUBLIC_KEY_PATH, SIMPLE_JWT, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)

if not (SIMPLE_JWT["SIGNING_KEY"] and SIMPLE_JWT["VERIFYING_KEY"]):
    SIMPLE_JWT["SIGNING_KEY"], SIMPLE_JWT["VERIFYING_KEY"] = ensure_dev_keys(JWT_PRIVATE_KEY_PATH, JWT_PUBLIC_KEY_PATH)
