"""Reads of the fraud controls used by the staff API and the admin: suspicious activity, the fraud
report, the rate-limit status. Periods are counted back from ``now`` (UTC); days are UTC days."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

from django.conf import settings
from django.db.models import Avg, Count, Max, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from magnetiq import ratelimit

from . import conf, throttles
from .models import Attempt, AttemptQuerySet, BlockedIP, FlaggedUser, Source
from .services import email_normalise

#: The periods the reports accept (``?period=``).
PERIODS: dict[str, timedelta] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}
#: Rows per list in the suspicious-activity answer.
TOP = 50
#: Lower bounds of the risk-score buckets of the report (each up to the next bound minus 1; the
#: last up to 100).
RISK_BUCKETS = (0, 20, 40, 60, 80)


def suspicious_after_failures() -> int:
    """Failed attempts (in the period) from which an IP or an e-mail is listed as suspicious:
    ``FRAUD_SUSPICIOUS_AFTER_FAILURES`` (3)."""
    return int(getattr(settings, "FRAUD_SUSPICIOUS_AFTER_FAILURES", 3))


def attempts_in(*, since: datetime, scope: str = "") -> AttemptQuerySet:
    attempts = Attempt.objects.since(since)
    return attempts.filter(scope=scope) if scope else attempts


def suspicious_activity(*, since: datetime, scope: str = "", now: datetime | None = None) -> dict:
    """``{"suspicious_ips", "suspicious_emails", "recent_auto_blocks", "high_risk_attempts"}``:

    * IPs and normalised e-mails with at least :func:`suspicious_after_failures` failed attempts
      since ``since`` (failures staff cleared do not count), most failures first, with the number
      of distinct codes tried, of identities (IPs: e-mails; e-mails: IPs), the last attempt and
      whether a block or a flag is in force;
    * automatic blocks made since ``since``;
    * attempts with a risk score of ``FRAUD_RISK_HIGH`` (60) or more, newest first.
    Each list holds at most :data:`TOP` rows.
    """
    now = now or timezone.now()
    failures = attempts_in(since=since, scope=scope).failures()
    threshold = suspicious_after_failures()
    ips = list(
        failures.exclude(ip=None)
        .values("ip")
        .annotate(
            failures=Count("pk"),
            codes=Count("subject", distinct=True),
            identities=Count("email_normalised", distinct=True, filter=~Q(email_normalised="")),
            last_attempt=Max("created_at"),
        )
        .filter(failures__gte=threshold)
        .order_by("-failures", "ip")[:TOP]
    )
    blocked = {
        block.network for block in BlockedIP.objects.active(now).filter(network__in=[_single(r["ip"]) for r in ips])
    }
    for row in ips:
        row["blocked"] = _single(row["ip"]) in blocked
    emails = list(
        failures.exclude(email_normalised="")
        .values("email_normalised")
        .annotate(
            failures=Count("pk"),
            codes=Count("subject", distinct=True),
            identities=Count("ip", distinct=True),
            last_attempt=Max("created_at"),
        )
        .filter(failures__gte=threshold)
        .order_by("-failures", "email_normalised")[:TOP]
    )
    flagged = set(
        FlaggedUser.objects.active()
        .filter(email_normalised__in=[r["email_normalised"] for r in emails])
        .values_list("email_normalised", flat=True)
    )
    for row in emails:
        row["email"] = row.pop("email_normalised")
        row["flagged"] = row["email"] in flagged
    return {
        "suspicious_ips": ips,
        "suspicious_emails": emails,
        "recent_auto_blocks": list(BlockedIP.objects.filter(source=Source.AUTO, created_at__gte=since)[:TOP]),
        "high_risk_attempts": list(
            attempts_in(since=since, scope=scope).filter(risk__gte=conf.risk_high()).select_related("user")[:TOP]
        ),
    }


def _single(ip: str) -> str:
    return f"{ip}/{128 if ':' in ip else 32}"


def fraud_report(*, since: datetime, scope: str = "", now: datetime | None = None) -> dict:
    """The fraud report of the attempts since ``since`` (optionally of one ``scope``):

    * ``totals``: ``attempts``, ``successes``, ``failures``, ``average_risk`` (0–100, one decimal),
      ``high_risk_attempts`` (risk ≥ ``FRAUD_RISK_HIGH``), ``auto_blocks`` made in the period,
      ``active_blocks`` and ``active_flags`` now;
    * ``by_reason``: failures per refusal code, most frequent first;
    * ``by_day``: per UTC day ``attempts``, ``successes``, ``failures``, oldest first;
    * ``risk_distribution``: attempts per score bucket (``"0-19"`` … ``"80-100"``);
    * ``top_ips``: the 10 IPs (full addresses, while kept) with most failures, with their attempts.
    """
    now = now or timezone.now()
    attempts = attempts_in(since=since, scope=scope)
    totals = attempts.aggregate(
        attempts=Count("pk"),
        successes=Count("pk", filter=Q(success=True)),
        failures=Count("pk", filter=Q(success=False)),
        average_risk=Avg("risk"),
        high_risk_attempts=Count("pk", filter=Q(risk__gte=conf.risk_high())),
    )
    totals["average_risk"] = round(float(totals["average_risk"] or 0), 1)
    totals["auto_blocks"] = BlockedIP.objects.filter(source=Source.AUTO, created_at__gte=since).count()
    totals["active_blocks"] = BlockedIP.objects.active(now).count()
    totals["active_flags"] = FlaggedUser.objects.active().count()
    by_reason = list(
        attempts.filter(success=False).values("reason").annotate(count=Count("pk")).order_by("-count", "reason")
    )
    by_day = list(
        attempts.annotate(date=TruncDate("created_at"))
        .values("date")
        .annotate(
            attempts=Count("pk"),
            successes=Count("pk", filter=Q(success=True)),
            failures=Count("pk", filter=Q(success=False)),
        )
        .order_by("date")
    )
    bounds = [*RISK_BUCKETS, 101]
    buckets = attempts.aggregate(
        **{f"b{low}": Count("pk", filter=Q(risk__gte=low, risk__lt=high)) for low, high in pairwise(bounds)}
    )
    risk_distribution = [{"bucket": f"{low}-{high - 1}", "count": buckets[f"b{low}"]} for low, high in pairwise(bounds)]
    top_ips = list(
        attempts.exclude(ip=None)
        .values("ip")
        .annotate(attempts=Count("pk"), failures=Count("pk", filter=Q(success=False)))
        .filter(failures__gt=0)
        .order_by("-failures", "-attempts", "ip")[:10]
    )
    return {
        "totals": totals,
        "by_reason": by_reason,
        "by_day": by_day,
        "risk_distribution": risk_distribution,
        "top_ips": top_ips,
    }


def _rate(rate: ratelimit.Rate) -> dict:
    return {"limit": rate.limit, "period_seconds": rate.period}


def rate_limit_status(*, ip: str = "", email: str = "", now: datetime | None = None) -> dict:
    """The configured limits and the counters in use now.

    ``limits``: the default per-IP and per-e-mail rates, each scope's rates (scopes with their own
    rates and scopes attempted in the last 24 hours), the automatic block and flag rules and the IP
    retention. ``counters``: for ``ip`` and/or ``email`` (normalised) when given, their weighted
    count in every listed scope; otherwise those of the IPs and e-mails attempted in the last
    period of each limit (at most 20 each, busiest first). A counter with ``count`` above
    ``limit - 1`` refuses the next attempt.
    """
    now = now or timezone.now()
    overrides = getattr(settings, "FRAUD_ATTEMPT_SCOPE_RATES", {}) or {}
    recent = Attempt.objects.since(now - timedelta(hours=24))
    scopes = sorted(set(overrides) | set(recent.values_list("scope", flat=True).distinct()))
    defaults = conf.attempt_rates("")
    limits = {
        "default": {"ip": _rate(defaults["ip"]), "email": _rate(defaults["email"])},
        "scopes": [
            {"scope": scope, **{kind: _rate(rate) for kind, rate in conf.attempt_rates(scope).items()}}
            for scope in scopes
        ],
        "auto_block": {
            "after_failures": conf.block_after_failures(),
            "window_minutes": int(conf.failure_window().total_seconds() // 60),
            "block_minutes": int(conf.block_duration().total_seconds() // 60),
        },
        "auto_flag": {
            "after_failures": conf.flag_after_failures(),
            "window_minutes": int(conf.failure_window().total_seconds() // 60),
        },
        "ip_retention_days": conf.ip_retention().days,
    }
    counters = []
    normalised = email_normalise(email)
    for scope in scopes:
        rates = conf.attempt_rates(scope)
        if ip or normalised:
            ips = [ip] if ip else []
            emails = [normalised] if normalised else []
        else:
            in_scope = recent.filter(scope=scope)
            ips = _busiest(in_scope.filter(created_at__gte=now - timedelta(seconds=2 * rates["ip"].period)), "ip")
            emails = _busiest(
                in_scope.filter(created_at__gte=now - timedelta(seconds=2 * rates["email"].period)), "email_normalised"
            )
        subjects = [(value, throttles.ip_subject(scope, value)) for value in ips]
        subjects += [(value, throttles.email_subject(scope, value)) for value in emails]
        for value, subject in subjects:
            count = ratelimit.peek(subject.scope, subject.ident, subject.rate)
            counters.append(
                {
                    "scope": scope,
                    "kind": subject.kind,
                    "subject": value,
                    "count": round(count, 2),
                    "limit": subject.rate.limit,
                    "period_seconds": subject.rate.period,
                    "limited": count > subject.rate.limit - 1,
                }
            )
    return {"limits": limits, "counters": counters}


def _busiest(attempts: QuerySet[Attempt], field: str) -> list[str]:
    """The (at most 20) values of ``field`` (``ip`` or ``email_normalised``) with most attempts."""
    # ``ip`` is NULL when unknown (comparing it with "" would compare with NULL); e-mails are "".
    present = attempts.exclude(ip=None) if field == "ip" else attempts.exclude(**{field: ""})
    return [row[field] for row in present.values(field).annotate(n=Count("pk")).order_by("-n", field)[:20]]
