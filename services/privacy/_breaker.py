"""``CircuitBreaker``: stop calling a system that keeps failing, try again after a pause.

closed (calls go through) -> ``threshold`` failures in a row -> open (calls refused for
``cooldown`` seconds) -> half-open (one trial call: success closes, failure opens again).
The clock is injectable so the states can be tested without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

__all__ = ["BreakerState", "CircuitBreaker"]

BreakerState = Literal["closed", "open", "half-open"]


class CircuitBreaker:
    def __init__(
        self,
        *,
        threshold: int = 5,
        cooldown: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if threshold < 1 or cooldown <= 0:
            raise ValueError("threshold must be >= 1 and cooldown > 0")
        self.threshold = threshold
        self.cooldown = cooldown
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self.opened = 0  # how many times it opened

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self.cooldown:
            return "half-open"
        return "open"

    def allows(self) -> bool:
        """Whether a call may go through now (closed, or the half-open trial)."""
        return self.state != "open"

    def succeeded(self) -> None:
        self._failures = 0
        self._opened_at = None

    def failed(self) -> None:
        self._failures += 1
        if self.state == "half-open" or self._failures >= self.threshold:
            self._opened_at = self._clock()
            self.opened += 1
