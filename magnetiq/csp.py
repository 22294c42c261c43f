"""The Content-Security-Policy exceptions to the site policy (``CONTENT_SECURITY_POLICY`` in the
settings), each as narrow as the page that needs it.

- The Django admin (``ADMIN_POLICY``, applied by :class:`CSPMiddleware` to every URL under the
  admin): Django's own templates write an inline ``<style>`` (a changelist without actions) and
  our ModelAdmins preview pages and images with ``style`` attributes, so styles may be inline
  there. Its scripts stay ``'self'``: Django 5.2's admin has no inline script.
- ReDoc (``REDOC_POLICY``, a view decorator in the root URLconf): its bundled styled-components
  write ``<style>`` elements at run time, and it parses the schema in a Web Worker made from a
  ``blob:`` URL.
- The payment page adds Stripe.js (``payments.csp``).
"""

from __future__ import annotations

from csp import constants
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.middleware import PolicyParts
from django.http import HttpRequest, HttpResponseBase

INLINE_STYLES = {"style-src": [constants.SELF, constants.UNSAFE_INLINE], "style-src-attr": None}
ADMIN_POLICY = INLINE_STYLES
REDOC_POLICY = {**INLINE_STYLES, "worker-src": [constants.SELF, "blob:"]}


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware, plus ``ADMIN_POLICY`` for the admin's URLs (a view decorator
    cannot reach every view of ``admin.site``). A view's own ``csp_replace`` still wins."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        match = getattr(request, "resolver_match", None)
        if not report_only and match is not None and "admin" in match.namespaces:
            parts.replace = {**ADMIN_POLICY, **(parts.replace or {})}
        return parts
