from __future__ import annotations

from seaway.api.auth import LimitPolicy, LoginLimiter

from .conftest import FakeClock


def _fail(limiter: LoginLimiter, times: int, user: str = "admin", addr: str = "1.2.3.4") -> None:
    for _ in range(times):
        limiter.failure(user, addr)


def test_five_free_failures_then_doubling_waits(clock: FakeClock) -> None:
    limiter = LoginLimiter(clock=clock)
    _fail(limiter, 4)
    assert limiter.check("admin", "1.2.3.4").allowed
    _fail(limiter, 1)
    verdict = limiter.check("admin", "1.2.3.4")
    assert not verdict.allowed
    assert verdict.retry_after == 1.0
    clock.advance(1)
    assert limiter.check("admin", "1.2.3.4").allowed
    _fail(limiter, 1)
    assert limiter.check("admin", "1.2.3.4").retry_after == 2.0
    clock.advance(2)
    _fail(limiter, 1)
    assert limiter.check("admin", "1.2.3.4").retry_after == 4.0


def test_waits_are_capped_and_failures_age_out(clock: FakeClock) -> None:
    limiter = LoginLimiter(LimitPolicy(max_delay_seconds=60), clock=clock)
    _fail(limiter, 30)
    assert limiter.check("admin", "1.2.3.4").retry_after == 60.0
    clock.advance(300)
    assert limiter.check("admin", "1.2.3.4").allowed


def test_the_user_is_limited_from_any_address(clock: FakeClock) -> None:
    limiter = LoginLimiter(clock=clock)
    for n in range(5):
        limiter.failure("admin", f"10.0.0.{n}")
    verdict = limiter.check("admin", "10.9.9.9")
    assert not verdict.allowed
    assert verdict.limited_by == "user"
    assert limiter.check("someone-else", "10.9.9.9").allowed


def test_the_address_is_limited_for_any_user(clock: FakeClock) -> None:
    limiter = LoginLimiter(clock=clock)
    for n in range(5):
        limiter.failure(f"user{n}", "6.6.6.6")
    verdict = limiter.check("fresh-user", "6.6.6.6")
    assert not verdict.allowed
    assert verdict.limited_by == "address"


def test_success_clears_the_user_but_not_the_address(clock: FakeClock) -> None:
    limiter = LoginLimiter(clock=clock)
    _fail(limiter, 5, user="mallory", addr="6.6.6.6")
    clock.advance(0.5)
    limiter.success("mallory", "6.6.6.6")
    assert limiter.check("mallory", "7.7.7.7").allowed
    assert not limiter.check("admin", "6.6.6.6").allowed


def test_memory_is_bounded(clock: FakeClock) -> None:
    limiter = LoginLimiter(LimitPolicy(max_keys=10), clock=clock)
    for n in range(100):
        limiter.failure(f"u{n}", f"a{n}")
    assert len(limiter._failures) <= 10
