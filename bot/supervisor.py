"""One supervisor per platform: it starts, fails and recovers on its own.

Why: the platforms share one process and one event loop; before, the first platform that
failed to start (a timeout on Telegram's first call, a 403 on Discord's command sync) ended
the whole service, the other platform included. A :class:`Supervisor` is the component the
service starts in a platform's place; it returns at once and, in its own task:

- builds a fresh platform (``make``) and starts it; a failure is logged in one line (attempt
  number, error, next delay), the part is ``failing`` in ``app.health`` and the start is
  retried after an exponential backoff with jitter (``[bot] retry_initial_seconds`` doubling
  up to ``retry_max_seconds``);
- once up, the part is ``ok`` and the supervisor watches it: a platform whose connection
  ends with an error (``wait_failed``, Discord's gateway) is stopped and started afresh with
  the same backoff;
- a token the platform rejects (:class:`bot.platforms.base.TokenRejected`, a 401) is never
  retried: at the first start it stops the service with exit code 2 (``on_fatal``); after the
  platform had run, that platform alone is given up (``stopped``) and the others go on.

Each platform registers its Sender in ``app.senders`` only while it runs, so the outbox
worker leaves a down platform's messages waiting instead of failing them.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterable

from bot.health import Health, describe
from bot.platforms.base import Component, TokenRejected, cancel_and_wait
from bot.retry import backoff

log = logging.getLogger("newsbot.service")


class Supervisor:
    def __init__(self, part: str, make: Callable[[], Component], health: Health, *,
                 initial: float, maximum: float, on_fatal: Callable[[TokenRejected], None],
                 secrets: Iterable[str] = (), rng: random.Random | None = None) -> None:
        self.part = part
        self.name = f"{part} supervisor"
        self.make = make
        self.health = health
        self.initial = initial
        self.maximum = maximum
        self.on_fatal = on_fatal
        self.secrets = tuple(s for s in secrets if s)
        self.rng = rng or random.Random()
        #: the platform while it runs (tests and the service reach it here)
        self.current: Component | None = None
        self.attempts = 0
        self._ever_up = False
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.health.set(self.part, "starting")
        self._task = asyncio.create_task(self._run(), name=f"supervise-{self.part}")

    async def stop(self) -> None:
        """Cancel a start or a backoff under way, then stop the running platform cleanly."""
        await cancel_and_wait(self._task)
        self._task = None
        current, self.current = self.current, None
        if current is not None:
            await self._stop(current)
        self.health.set(self.part, "stopped")

    async def _stop(self, component: Component) -> None:
        try:
            await component.stop()
        except Exception as exc:
            log.warning(f"{self.part}: error while stopping: {describe(exc, self.secrets)}")

    async def _run(self) -> None:
        failures = 0
        while True:
            self.attempts += 1
            component = self.make()
            try:
                await component.start()
            except TokenRejected as exc:
                self._rejected(exc)
                return
            except Exception as exc:
                failures += 1
                await self._wait_after(failures, f"did not start (attempt {failures})", exc)
                continue
            failures = 0
            self._ever_up = True
            self.current = component
            if self.health.state(self.part) != "degraded":  # set by the platform as it started
                self.health.set(self.part, "ok")
            failure = await self._watch(component)
            self.current = None
            await self._stop(component)
            failures = 1
            await self._wait_after(failures, "stopped working", failure)

    def _rejected(self, exc: TokenRejected) -> None:
        log.error(str(exc))
        if not self._ever_up:
            self.on_fatal(exc)  # first: the owners are not alerted of a service that stops
            self.health.set(self.part, "stopped", str(exc))
        else:
            self.health.set(self.part, "stopped", f"{exc} (not retried)")

    async def _wait_after(self, failures: int, what: str, exc: BaseException) -> None:
        error = describe(exc, self.secrets)
        delay = backoff(failures, self.initial, self.maximum, self.rng)
        self.health.set(self.part, "failing", error)
        log.warning(f"{self.part} {what}: {error}; retrying in {delay:.1f} s")
        await asyncio.sleep(delay)

    @staticmethod
    async def _watch(component: Component) -> BaseException:
        """Until the platform fails by itself: the error (never, for those that cannot)."""
        wait_failed = getattr(component, "wait_failed", None)
        if wait_failed is None:
            await asyncio.Event().wait()
        failure: BaseException = await wait_failed()  # type: ignore[misc]
        return failure
