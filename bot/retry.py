"""How long a part of the process waits before trying again (a platform's start, the
database at start-up, a refused command sync): exponential with jitter."""

from __future__ import annotations

import random


def backoff(attempts: int, base: float, cap: float, rng: random.Random | None = None, *,
            jitter: float | None = None) -> float:
    """base·2^(n-1), capped, times a factor in [0.5, 1.5) (the ``attempts``-th wait).

    The factor is ``0.5 + jitter`` when the caller drew ``jitter`` in [0, 1) itself (the
    outbox's pure policy), else a draw from ``rng`` (default: the module's)."""
    draw = jitter if jitter is not None else (rng or random).random()
    return min(cap, base * 2 ** max(0, attempts - 1)) * (0.5 + draw)
