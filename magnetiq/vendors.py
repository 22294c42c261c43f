"""The rule that no outside service is called while a database transaction is open.

Why: a transaction holds locks until it ends. On SQLite (``transaction_mode: IMMEDIATE``) every
transaction holds the database-wide write lock, so a Stripe call that takes 8 s inside one makes
every other write wait — and fail with "database is locked" once the 20 s busy timeout passes; on
PostgreSQL the same call holds row locks (a booking, a payment) for as long as the vendor takes.
So a write that needs a vendor is split: read or reserve in one short transaction, call the vendor
outside any transaction, record the answer in another short transaction that re-checks the state
(another request may have won meanwhile); idempotency keys make a repeated vendor call harmless.

Every gateway entry point (``payments.stripe_gateway``, ``payments.paypal_gateway``,
``bookings.zoom_gateway``, ``leads.odoo_gateway``, ``consulting.openalex_gateway``) and the mail
sender (``magnetiq.mail``) calls :func:`assert_no_transaction` first, so the whole test suite proves
that no call site runs inside ``transaction.atomic()``.

``VENDOR_TRANSACTION_GUARD`` (setting): ``"raise"`` (default; tests and development) raises
:class:`VendorCallInTransaction`; ``"log"`` logs an ERROR with the stack on the
``magnetiq.vendors`` logger and lets the call go ahead (for a production that prefers a degraded
request to a refused one); ``"off"`` does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


class VendorCallInTransaction(RuntimeError):
    """A programming error: an outside service was about to be called while a database transaction
    was open. Not an :class:`magnetiq.exceptions.ApplicationError` — it is never the caller's
    input that is wrong, so it must not be mapped to a 4xx."""


def open_transaction_aliases() -> list[str]:
    """The database aliases with an atomic block open in this thread, ignoring the blocks Django's
    ``TestCase`` (and pytest-django's ``django_db`` without ``transaction=True``) wraps each test in:
    those are marked ``_from_testcase`` (the same mark ``Atomic.__enter__`` uses to let a
    ``durable`` block nest inside them). A connection with autocommit switched off counts as open."""
    aliases = []
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            if any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks):
                aliases.append(connection.alias)
        # The wrapper's own flag, not get_autocommit(): that would open a connection just to ask.
        elif connection.connection is not None and not connection.autocommit:
            aliases.append(connection.alias)
    return aliases


def assert_no_transaction(vendor: str) -> None:
    """Refuse (or log, per ``VENDOR_TRANSACTION_GUARD``) a call to ``vendor`` (a name for the message,
    e.g. ``"Stripe"``) while a transaction is open. Raises :class:`VendorCallInTransaction`."""
    mode = getattr(settings, "VENDOR_TRANSACTION_GUARD", "raise")
    if mode == "off":
        return
    aliases = open_transaction_aliases()
    if not aliases:
        return
    message = (
        f"{vendor} was called inside an open database transaction ({', '.join(aliases)}): call outside services "
        "before or after transaction.atomic(), or from transaction.on_commit()."
    )
    if mode == "log":
        logger.error(message, stack_info=True)
        return
    raise VendorCallInTransaction(message)


def outside_transaction(vendor: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator form of :func:`assert_no_transaction` for a gateway's public functions and methods."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            assert_no_transaction(vendor)
            return function(*args, **kwargs)

        return wrapper

    return decorate
