"""Login throttling per username and per client address: a few free failures, then waits that
double with every further failure.

Both keys count: per user stops guessing one account from many addresses, per address stops
one client spraying many accounts. Failures older than the window are forgotten; so with the
defaults a key gets 5 tries, then must wait 1 s, 2 s, 4 s, ... (at most the window) between
tries, which bounds guessing to a handful per window. Pure: time comes from the injected clock,
state is in memory (a restart forgets it, which costs an attacker a restart of our server).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass(frozen=True)
class LimitPolicy:
    free_failures: int = 5
    window_seconds: float = 300.0
    base_delay_seconds: float = 1.0
    max_delay_seconds: float = 300.0
    # Bounds memory when someone sprays usernames or addresses: the least recently failed key
    # goes first.
    max_keys: int = 100_000


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: float = 0.0
    # Which key holds the login back: "user" or "address".
    limited_by: str = ""


class LoginLimiter:
    def __init__(self, policy: LimitPolicy | None = None, clock: Clock = time.time) -> None:
        self.policy = policy or LimitPolicy()
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()

    def check(self, username: str, address: str) -> Verdict:
        """Whether a login attempt may be tried now; ask before verifying the password."""
        now = self._clock()
        with self._lock:
            worst = Verdict(True)
            for kind, key in (("user", username), ("address", address)):
                wait = self._wait(self._recent((kind, key), now), now)
                if wait > worst.retry_after:
                    worst = Verdict(False, wait, kind)
            return worst

    def failure(self, username: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            for key in (("user", username), ("address", address)):
                times = self._recent(key, now)
                times.append(now)
                self._failures[key] = times
                self._failures.move_to_end(key)
            while len(self._failures) > self.policy.max_keys:
                self._failures.popitem(last=False)

    def success(self, username: str, address: str) -> None:
        # Only the account's count is cleared: one good login to an attacker's own account must
        # not wipe the failures its address piled up against other accounts.
        with self._lock:
            self._failures.pop(("user", username), None)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.policy.window_seconds:
            times.popleft()
        if not times:
            self._failures.pop(key, None)
        return times

    def _wait(self, times: deque[float], now: float) -> float:
        over = len(times) - self.policy.free_failures
        if over < 0:
            return 0.0
        delay = min(self.policy.base_delay_seconds * 2.0**over, self.policy.max_delay_seconds)
        return max(0.0, times[-1] + delay - now)
