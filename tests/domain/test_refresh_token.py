"""Refresh-token rules: single use, expiry, revocation, secrets never stored."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.identity.model import RefreshToken, RefreshTokenReused
from domain.shared.errors import Unauthenticated

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def issue() -> tuple[RefreshToken, str]:
    return RefreshToken.issue(user_id=uuid.uuid4(), tenant_id=uuid.uuid4(), now=NOW,
                              ttl=timedelta(days=1))  # fmt: skip


def test_presented_token_round_trips_and_only_its_hash_is_kept() -> None:
    token, presented = issue()
    token_id, secret = RefreshToken.parse(presented)
    assert token_id == token.id
    assert secret not in repr(token) and token.secret_hash != secret.encode()
    token.check_presentable(secret, NOW)


def test_wrong_secret_expired_used_and_revoked_tokens_are_refused() -> None:
    token, presented = issue()
    _, secret = RefreshToken.parse(presented)
    with pytest.raises(Unauthenticated):
        token.check_presentable(secret + "x", NOW)
    with pytest.raises(Unauthenticated, match="expired"):
        token.check_presentable(secret, NOW + timedelta(days=2))
    with pytest.raises(RefreshTokenReused):
        RefreshToken(**{**token.__dict__, "used_at": NOW}).check_presentable(secret, NOW)
    with pytest.raises(Unauthenticated, match="revoked"):
        RefreshToken(**{**token.__dict__, "revoked_at": NOW}).check_presentable(secret, NOW)


@pytest.mark.parametrize("presented", ["", "abc", "not-a-uuid.secret"])
def test_malformed_tokens_are_unauthenticated(presented: str) -> None:
    with pytest.raises(Unauthenticated):
        RefreshToken.parse(presented)
