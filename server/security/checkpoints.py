"""Audit checkpoints signed as JWS with the access tokens' RS256 key (its JWKS is published).

A checkpoint is a JWT with `purpose: audit-checkpoint` and the header `typ:
audit-checkpoint+jwt`, without `aud` or `exp`: the access-token check refuses it (it requires
both) and this check refuses access tokens (no purpose), so one can never pass for the other.
"""

from __future__ import annotations

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from domain.audit.checkpoints import TOKEN_TYPE, Checkpoint, InvalidCheckpoint
from server.security.tokens import ALGORITHM


class JwsCheckpointSigner:
    def __init__(self, key: RSAKey, *, issuer: str) -> None:
        self._key = key
        self._kid = key.thumbprint()  # the kid the JWKS publishes the key under
        self._issuer = issuer

    def sign(self, checkpoint: Checkpoint) -> str:
        header = {"alg": ALGORITHM, "kid": self._kid, "typ": TOKEN_TYPE}
        return jwt.encode(header, checkpoint.claims(self._issuer), self._key, [ALGORITHM])

    def verify(self, token: str) -> Checkpoint:
        try:
            decoded = jwt.decode(token, self._key, algorithms=[ALGORITHM])
        except JoseError:
            raise InvalidCheckpoint(
                "The checkpoint does not verify with this server's signing key."
            ) from None
        except (ValueError, TypeError):
            raise InvalidCheckpoint("The checkpoint is not a compact JWS.") from None
        if decoded.header.get("typ") != TOKEN_TYPE or decoded.claims.get("iss") != self._issuer:
            raise InvalidCheckpoint("The token is not an audit checkpoint of this server.")
        return Checkpoint.from_claims(decoded.claims, token)
