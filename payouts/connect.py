"""The one door from payouts to Stripe Connect: :func:`connect_gateway`.

The calls themselves live in :mod:`payments.stripe_gateway` (``StripeConnectGateway``), the only
module allowed to import ``stripe``. Methods used here: ``create_express_account``,
``retrieve_account``, ``create_account_link``, ``create_transfer`` (raises ``TransferFailed`` on a
refusal, ``PaymentProviderUnavailable`` when Stripe cannot be reached), ``retrieve_transfer``.
"""

from payments.stripe_gateway import StripeConnectGateway, get_connect_gateway


def connect_gateway() -> StripeConnectGateway:
    """The gateway configured from the current settings (``STRIPE_SECRET_KEY``, ``STRIPE_API_BASE``)."""
    return get_connect_gateway()
