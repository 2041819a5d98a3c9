"""RS256 access tokens.

Signed and verified with joserfc — authlib's JOSE implementation, which authlib 1.9 ships as a
dependency and to which it has moved its deprecated `authlib.jose` module.
Only RS256 is accepted: `alg: none`, HS256 keyed with the public key and the like fail.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

ALGORITHM = "RS256"
VERIFIED_CACHE_SIZE = 10_000  # tokens per process; the oldest is forgotten first


class InvalidToken(Exception):
    """The reason is safe to show the client."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    expires_at: float | None = None  # seconds since the epoch


def load_or_create_signing_key(pem: str | None, path: Path) -> RSAKey:
    """Use the configured key, else the one kept in the data dir, else make and keep one."""
    if pem:
        return RSAKey.import_key(pem)
    if path.exists():
        return RSAKey.import_key(path.read_bytes())
    key = RSAKey.generate_key(2048, private=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.as_pem(private=True))
    try:
        os.link(tmp, path)  # first writer wins if two processes race
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return RSAKey.import_key(path.read_bytes())


class TokenService:
    def __init__(self, key: RSAKey, *, issuer: str, audience: str, ttl_seconds: int) -> None:
        self._key = key
        self._kid = key.thumbprint()
        self._issuer = issuer
        self._audience = audience
        self._ttl = ttl_seconds
        self._claims = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            sub={"essential": True},
            tenant={"essential": True},
        )
        # token -> its claims, once verified: a client repeating its token skips the RS256
        # check until the token's `exp`. Only tokens that passed every check are remembered.
        self._verified: dict[str, AccessClaims] = {}

    def issue_access_token(self, *, user_id: uuid.UUID, tenant_id: uuid.UUID) -> tuple[str, int]:
        now = int(time.time())
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": str(user_id),
            "tenant": str(tenant_id),
            "iat": now,
            "nbf": now,
            "exp": now + self._ttl,
            "jti": uuid.uuid4().hex,
        }
        header = {"alg": ALGORITHM, "kid": self._kid, "typ": "JWT"}
        return jwt.encode(header, claims, self._key, algorithms=[ALGORITHM]), self._ttl

    def verify(self, token: str) -> AccessClaims:
        known = self._verified.get(token)
        if known is not None:
            if known.expires_at is not None and time.time() < known.expires_at:
                return known
            del self._verified[token]  # expired: the full check gives the usual reason
        claims = self._verify_signed(token)  # raises InvalidToken: nothing is remembered
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = claims
        return claims

    def _verify_signed(self, token: str) -> AccessClaims:
        try:
            decoded = jwt.decode(token, self._key, algorithms=[ALGORITHM])
            self._claims.validate(decoded.claims)
            return AccessClaims(
                uuid.UUID(decoded.claims["sub"]),
                uuid.UUID(decoded.claims["tenant"]),
                float(decoded.claims["exp"]),
            )
        except JoseError as exc:
            raise InvalidToken(_reason(exc)) from None
        except (ValueError, TypeError, KeyError, AttributeError):
            raise InvalidToken("Access token is malformed.") from None

    def jwks(self) -> dict[str, Any]:
        public = self._key.as_dict(private=False)
        return {"keys": [public | {"kid": self._kid, "use": "sig", "alg": ALGORITHM}]}


def _reason(exc: JoseError) -> str:
    name = type(exc).__name__
    if name == "ExpiredTokenError":
        return "Access token has expired; refresh it."
    if name in {"InvalidClaimError", "MissingClaimError"}:
        return f"Access token is not valid for this API ({exc.description})."
    if name == "UnsupportedAlgorithmError":
        return "Access token uses an algorithm this API does not accept."
    if name == "BadSignatureError":
        return "Access token signature is invalid."
    if name == "DecodeError":
        return "Access token is malformed."
    return "Access token is invalid."
