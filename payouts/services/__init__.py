"""Every write of the payouts app, re-exported from its modules.

- :mod:`.setup` — ``consultant_payment_setup_start``, ``consultant_payment_status_refresh``,
  ``consultant_kyc_update``, ``map_account``
- :mod:`.payouts` — ``payouts_build_for_period``, ``payout_create_manual``, ``payout_execute``,
  ``payout_mark_failed``, ``consultant_totals_refresh``
- :mod:`.earnings` (reads) — ``parse_period``, ``session_earnings``, ``consultant_owed``, ``consultant_earnings``
"""

from .earnings import consultant_earnings, consultant_owed, parse_period, session_earnings
from .payouts import (
    PeriodResult,
    consultant_can_receive_transfers,
    consultant_totals_refresh,
    payout_create_manual,
    payout_execute,
    payout_mark_failed,
    payouts_build_for_period,
)
from .setup import (
    KYC_TRANSITIONS,
    consultant_kyc_update,
    consultant_payment_setup_start,
    consultant_payment_status_refresh,
    map_account,
)

__all__ = [
    "KYC_TRANSITIONS",
    "PeriodResult",
    "consultant_can_receive_transfers",
    "consultant_earnings",
    "consultant_kyc_update",
    "consultant_owed",
    "consultant_payment_setup_start",
    "consultant_payment_status_refresh",
    "consultant_totals_refresh",
    "map_account",
    "parse_period",
    "payout_create_manual",
    "payout_execute",
    "payout_mark_failed",
    "payouts_build_for_period",
    "session_earnings",
]
