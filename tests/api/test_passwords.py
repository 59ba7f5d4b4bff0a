from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from seaway.api.auth import (
    PasswordPolicyError,
    generate_password,
    hash_password,
    verify_password,
)


def test_a_hash_verifies_its_password_and_rejects_others() -> None:
    stored = hash_password("a long enough password")
    assert stored.startswith("$argon2id$")
    assert "a long enough password" not in stored
    assert verify_password(stored, "a long enough password").ok
    assert not verify_password(stored, "a long enough passworD").ok
    assert not verify_password(stored, "").ok


def test_same_password_hashes_differently_each_time() -> None:
    assert hash_password("twelve chars!") != hash_password("twelve chars!")


def test_garbage_hash_rejects_rather_than_raises() -> None:
    assert not verify_password("not a hash", "whatever it is").ok


def test_weaker_old_hash_verifies_and_asks_for_a_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("old password 1")
    check = verify_password(weak, "old password 1")
    assert check.ok
    assert check.needs_rehash
    assert not verify_password(hash_password("old password 1"), "old password 1").needs_rehash


def test_short_or_padded_passwords_are_refused_without_echoing_them() -> None:
    with pytest.raises(PasswordPolicyError) as short:
        hash_password("tiny-secret")
    assert "tiny-secret" not in str(short.value)
    with pytest.raises(PasswordPolicyError):
        hash_password(" padded password ")


def test_generated_passwords_are_long_and_distinct() -> None:
    made = {generate_password() for _ in range(50)}
    assert len(made) == 50
    assert all(len(p) >= 32 for p in made)
