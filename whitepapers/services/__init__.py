"""Every write of the whitepapers app (``<entity>_<verb>`` services), re-exported from its modules.

The admin, the API, the pages, the tasks and the commands all call these functions. Each runs in
``transaction.atomic``, calls ``full_clean()`` before saving and logs state changes to the audit trail.

- :mod:`.whitepapers` — ``whitepaper_create``, ``whitepaper_update``, ``whitepaper_update_content``,
  ``whitepaper_set_active``, ``whitepaper_set_featured``, ``whitepaper_delete``, ``whitepaper_bulk_action``,
  ``whitepaper_content_hash``, ``WHITEPAPER_EDITABLE_FIELDS`` (and as a set ``EDITABLE_FIELDS``), ``BULK_ACTIONS``
- :mod:`.view_counts` — ``whitepaper_register_view``, ``whitepaper_count_view``, ``whitepaper_views_flush``
  (views buffered without a database write, written by ``manage.py flush_whitepaper_views``)
- :mod:`.pdfs` — ``whitepaper_generate_pdf``, ``whitepaper_ensure_pdf``
- :mod:`.downloads` — ``download_request``, ``download_link_send``, ``download_consume``,
  ``download_url``, ``download_landing_url``, ``token_digest``
- :mod:`.submissions` — ``email_submission_import``, ``email_submission_process``,
  ``email_submission_approve``, ``email_submission_reject``
"""

from .downloads import (
    UTM_KEYS,
    clean_utm,
    download_consume,
    download_landing_url,
    download_link_send,
    download_request,
    download_url,
    raw_token_for,
    token_digest,
)
from .pdfs import whitepaper_ensure_pdf, whitepaper_generate_pdf
from .submissions import (
    email_submission_approve,
    email_submission_import,
    email_submission_process,
    email_submission_reject,
)
from .view_counts import whitepaper_count_view, whitepaper_register_view, whitepaper_views_flush
from .whitepapers import (
    BULK_ACTIONS,
    EDITABLE_FIELDS,
    WHITEPAPER_EDITABLE_FIELDS,
    has_body,
    search_text,
    validate_pdf_upload,
    whitepaper_bulk_action,
    whitepaper_content_hash,
    whitepaper_create,
    whitepaper_delete,
    whitepaper_set_active,
    whitepaper_set_featured,
    whitepaper_update,
    whitepaper_update_content,
)

__all__ = [
    "BULK_ACTIONS",
    "EDITABLE_FIELDS",
    "UTM_KEYS",
    "WHITEPAPER_EDITABLE_FIELDS",
    "clean_utm",
    "download_consume",
    "download_landing_url",
    "download_link_send",
    "download_request",
    "download_url",
    "email_submission_approve",
    "email_submission_import",
    "email_submission_process",
    "email_submission_reject",
    "has_body",
    "raw_token_for",
    "search_text",
    "token_digest",
    "validate_pdf_upload",
    "whitepaper_bulk_action",
    "whitepaper_content_hash",
    "whitepaper_count_view",
    "whitepaper_create",
    "whitepaper_delete",
    "whitepaper_ensure_pdf",
    "whitepaper_generate_pdf",
    "whitepaper_register_view",
    "whitepaper_set_active",
    "whitepaper_set_featured",
    "whitepaper_update",
    "whitepaper_update_content",
    "whitepaper_views_flush",
]
