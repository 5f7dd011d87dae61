"""The operators' HTTP server (aiohttp, ``[http]``): health, readiness and metrics.

- ``GET /healthz``: the process and its event loop answer (a container's liveness probe).
- ``GET /readyz``: 200 when the database is reachable and writable, the migrations are
  current and every configured platform is connected; 503 with the failing part otherwise.
  Who holds the sender lease is reported either way.
- ``GET /metrics``: Prometheus text format (bot/metrics.py).

Bound to 127.0.0.1 by default: put a reverse proxy in front to expose it. Requests have no
body, so any body is refused unread; the server keeps few connections.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import select, text

from bot.app import App
from storage.migrate import is_current
from storage.models import Lease, utcnow

log = logging.getLogger("newsbot.http")

#: the row the readiness probe writes (a real write: a read-only database or a full disk fails)
PROBE_LEASE = "probe"


async def database_check(app: App) -> tuple[bool, str]:
    """Reachable and writable: one write in a transaction of its own."""
    try:
        async with app.uow() as uow:
            await uow.session.execute(text("SELECT 1"))
            now = utcnow()
            row = await uow.session.get(Lease, PROBE_LEASE)
            if row is None:
                uow.session.add(Lease(name=PROBE_LEASE, owner=app.instance_id, until=now))
            else:
                row.owner, row.until = app.instance_id, now
            await uow.session.flush()
    except Exception as exc:
        return False, _reason(exc)
    return True, "writable"


def _reason(exc: BaseException) -> str:
    text_ = str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else type(exc).__name__
    low = text_.lower()
    if "readonly" in low or "read-only" in low or "read only" in low:
        return "read-only database"
    if "disk" in low and ("full" in low or "space" in low):
        return "disk full"
    return f"{type(exc).__name__}: {text_[:200]}"


async def readiness(app: App) -> tuple[bool, dict[str, Any]]:
    checks: dict[str, Any] = {}
    ok_db, why = await database_check(app)
    checks["database"] = {"ok": ok_db, "detail": why}
    try:
        current = await is_current(app.engine)
        checks["migrations"] = {"ok": current, "detail": "current" if current else "behind"}
    except Exception as exc:
        checks["migrations"] = {"ok": False, "detail": _reason(exc)}
    for name, state in app.platform_health().items():
        checks[f"platform:{name}"] = state
    try:
        async with app.uow() as uow:
            leases = (await uow.session.execute(
                select(Lease.name, Lease.owner, Lease.until).where(Lease.name != PROBE_LEASE))).all()
        now = app.deps.clock()  # leases are written on the App's clock (a rehearsal's too)
        checks["leases"] = {
            "ok": True,
            "detail": {name: {"owner": owner, "valid": _aware(until) > now}
                       for name, owner, until in leases},
        }
    except Exception as exc:
        checks["leases"] = {"ok": False, "detail": _reason(exc)}
    return all(c.get("ok") for c in checks.values()), checks


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class OperatorHTTP:
    """A Component: starts the server with the service, stops it last."""

    name = "http"

    def __init__(self, app: App) -> None:
        self.app = app
        self.settings = app.settings.http
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def web_app(self) -> web.Application:
        web_app = web.Application(client_max_size=1024)
        web_app.router.add_get("/healthz", self.healthz)
        web_app.router.add_get("/readyz", self.readyz)
        web_app.router.add_get("/metrics", self.metrics)
        if self.settings.public:  # the readers' part (bot/web/)
            from bot.web import add_public_routes

            add_public_routes(web_app, self.app)
        return web_app

    async def healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def readyz(self, request: web.Request) -> web.Response:
        ready, checks = await readiness(self.app)
        body = json.dumps({"ready": ready, "checks": checks}, default=str, indent=1)
        return web.Response(text=body + "\n", status=200 if ready else 503,
                            content_type="application/json")

    async def metrics(self, request: web.Request) -> web.Response:
        try:
            async with self.app.uow() as uow:
                await self.app.metrics.refresh(uow, self.app.deps.clock())  # rows carry its time
        except Exception as exc:
            log.warning("metrics: database figures unavailable", extra={"reason": _reason(exc)})
        response = web.Response(body=self.app.metrics.exposition())
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    async def start(self) -> None:
        self._runner = web.AppRunner(self.web_app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.listen, self.settings.port,
                           backlog=self.settings.backlog)
        try:
            await site.start()
        except OSError as exc:  # the bot still serves its chats; the operator is told why
            log.error("operators' HTTP server not started: %s:%s: %s", self.settings.listen,
                      self.settings.port, exc.strerror or exc)
            await self._runner.cleanup()
            self._runner = None
            return
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.settings.port
        log.info("operators' HTTP server listening",
                 extra={"listen": self.settings.listen, "port": self.port})

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


class WaitingHTTP:
    """The same address while the service waits for its database (bot/service.py): /healthz
    answers, /readyz says 503 and why (the database part's state), /metrics is empty. The
    full server takes the address over once the App runs."""

    def __init__(self, settings: Any, health: Any) -> None:
        self.settings = settings.http
        self.health = health
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        web_app = web.Application(client_max_size=1024)
        web_app.router.add_get("/healthz", self._healthz)
        web_app.router.add_get("/readyz", self._readyz)
        web_app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(web_app, access_log=None, handle_signals=False)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self.settings.listen, self.settings.port,
                              backlog=self.settings.backlog).start()
        except OSError as exc:
            log.error("operators' HTTP server not started: %s:%s: %s", self.settings.listen,
                      self.settings.port, exc.strerror or exc)
            await self.stop()

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def _readyz(self, request: web.Request) -> web.Response:
        checks = {part: {"ok": False, "detail": state}
                  for part, state in self.health.as_dict().items()}
        body = json.dumps({"ready": False, "checks": checks}, default=str, indent=1)
        return web.Response(text=body + "\n", status=503, content_type="application/json")

    async def _metrics(self, request: web.Request) -> web.Response:
        return web.Response(text="", content_type="text/plain")

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
