"""Prometheus metrics of one process (prometheus-client), held by the App.

Counters and histograms are incremented where things happen (commands in ``App.handle``,
send outcomes and 429s by scope in the outbox worker's ``observe``). Figures that are state
rather than events — outbox depth and oldest age, dead letters by platform and kind, digest
lateness, feed failures, who holds each lease — are read from the database at scrape time
(``refresh``), so every replica reports the same truth and nothing drifts after a restart.

Each App has its own registry (no global state): tests and several Apps in one process do not
collide.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select

from storage.feeds import FeedState
from storage.models import Chat, Lease, OutboxMessage, Subscription, utcnow
from storage.uow import UnitOfWork

#: seconds; command replies are expected well under a second
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


class Metrics:
    def __init__(self, command_names: Iterable[str]) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.known_commands = frozenset(command_names)
        self.commands = Counter("newsbot_commands_total", "Commands handled",
                                ["command", "platform"], registry=r)
        self.command_seconds = Histogram("newsbot_command_seconds", "Time to answer a command",
                                         ["command"], buckets=LATENCY_BUCKETS, registry=r)
        self.sent = Counter("newsbot_messages_sent_total", "Outbox messages delivered",
                            ["platform", "kind"], registry=r)
        self.failed = Counter("newsbot_messages_failed_total",
                              "Outbox sends that failed (to be retried)", ["platform", "kind"],
                              registry=r)
        self.rate_limited = Counter("newsbot_rate_limited_total", "429 answers, by scope",
                                    ["platform", "scope"], registry=r)
        self.feed_polls = Counter("newsbot_feed_polls_total", "Feed polls, by outcome",
                                  ["feed", "outcome"], registry=r)
        self.lease_changes = Counter("newsbot_lease_changes_total",
                                     "Times this process took or lost the sender lease",
                                     ["event"], registry=r)
        self.web_requests = Counter("newsbot_web_requests_total",
                                    "Public pages and feed requests, by route and status",
                                    ["route", "status"], registry=r)
        self.dead = Gauge("newsbot_outbox_dead", "Messages given up (dead letters)",
                          ["platform", "kind"], registry=r)
        self.outbox_depth = Gauge("newsbot_outbox_depth", "Messages waiting to be sent",
                                  ["kind"], registry=r)
        self.outbox_oldest = Gauge("newsbot_outbox_oldest_seconds",
                                   "Age of the oldest message waiting (0 when none)", registry=r)
        self.digest_lateness = Gauge("newsbot_digest_lateness_seconds",
                                     "How late the most overdue digest is (0 when none)",
                                     registry=r)
        self.feed_failures = Gauge("newsbot_feed_consecutive_failures",
                                   "Consecutive failed polls per feed", ["feed"], registry=r)
        self.lease_holder = Gauge("newsbot_lease_held", "1 for the current holder of a lease",
                                  ["lease", "owner"], registry=r)

    def delivery(self, platform: str, kind: str, outcome: str, scope: str | None) -> None:
        """One recorded send outcome (the outbox worker's ``observe``)."""
        if outcome == "sent":
            self.sent.labels(platform, kind).inc()
            return
        self.failed.labels(platform, kind).inc()
        if outcome == "rate_limited":
            self.rate_limited.labels(platform, scope or "chat").inc()

    def command(self, name: str, platform: str, seconds: float) -> None:
        label = name if name in self.known_commands else "other"  # bounded cardinality
        self.commands.labels(label, platform).inc()
        self.command_seconds.labels(label).observe(seconds)

    async def refresh(self, uow: UnitOfWork, now: dt.datetime | None = None) -> None:
        """The state gauges, read from the database (one short read transaction)."""
        now = now or utcnow()
        s = uow.session
        waiting = (OutboxMessage.status.in_(("pending", "sending")))
        self.outbox_depth.clear()
        for kind, count in (await s.execute(
                select(OutboxMessage.kind, func.count()).where(waiting)
                .group_by(OutboxMessage.kind))).all():
            self.outbox_depth.labels(kind).set(count)
        self.dead.clear()
        for platform, kind, count in (await s.execute(
                select(Chat.platform, OutboxMessage.kind, func.count())
                .join(Chat, Chat.id == OutboxMessage.chat_id)
                .where(OutboxMessage.status == "dead")
                .group_by(Chat.platform, OutboxMessage.kind))).all():
            self.dead.labels(platform, kind).set(count)
        oldest = await s.scalar(select(func.min(OutboxMessage.created_at)).where(waiting))
        self.outbox_oldest.set(_age(oldest, now))
        overdue = await s.scalar(
            select(func.min(Subscription.next_digest_at))
            .join(Chat, Chat.id == Subscription.chat_id)
            .where(Subscription.digest.is_(True), Chat.active.is_(True),
                   Subscription.next_digest_at <= now))
        self.digest_lateness.set(_age(overdue, now))
        self.feed_failures.clear()
        for name, failures in (await s.execute(
                select(FeedState.name, FeedState.consecutive_failures))).all():
            self.feed_failures.labels(name).set(failures)
        self.lease_holder.clear()
        for name, owner, until in (await s.execute(
                select(Lease.name, Lease.owner, Lease.until))).all():
            if until is not None and _aware(until) > now and name != "probe" \
                    and not name.startswith("ops:"):  # bookkeeping rows, not leases
                self.lease_holder.labels(name, owner).set(1)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _age(value: dt.datetime | None, now: dt.datetime) -> float:
    return max(0.0, (now - _aware(value)).total_seconds()) if value is not None else 0.0
