"""Leads as CSV, shared by the admin action and ``POST /api/v1/admin/leads/bulk-export``."""

import csv
import io
from collections.abc import Iterable

from django.http import HttpResponse
from django.utils import timezone

from .models import Lead

CSV_COLUMNS = (
    "id",
    "email",
    "first_name",
    "last_name",
    "company",
    "website",
    "phone",
    "job_title",
    "language",
    "source",
    "score",
    "is_qualified",
    "qualified_at",
    "odoo_id",
    "odoo_status",
    "created_at",
    "last_activity_at",
)

#: A cell starting with one of these is a formula to Excel/LibreOffice (CSV injection).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    if text.startswith(_FORMULA_PREFIXES) and not isinstance(value, int):
        return "'" + text
    return text


def leads_to_csv(leads: Iterable[Lead]) -> str:
    """One header row (:data:`CSV_COLUMNS`) and one row per lead; text that a spreadsheet would
    run as a formula is prefixed with ``'``; times in ISO 8601 (UTC)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for lead in leads:
        writer.writerow([_cell(getattr(lead, column)) for column in CSV_COLUMNS])
    return out.getvalue()


def csv_response(leads: Iterable[Lead]) -> HttpResponse:
    """A ``text/csv`` download named ``leads-<UTC timestamp>.csv``."""
    response = HttpResponse(leads_to_csv(leads), content_type="text/csv; charset=utf-8")
    filename = f"leads-{timezone.now():%Y%m%d-%H%M%S}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
