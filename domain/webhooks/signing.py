"""Standard Webhooks signatures (https://www.standardwebhooks.com, spec v1).

Symmetric: `v1,<base64 HMAC-SHA256>` with a `whsec_` secret. Asymmetric: `v1a,<base64 ed25519>`
with a `whsk_` private key (the receiver holds the `whpk_` public key). Both sign
`{msg_id}.{timestamp}.{body}`; `webhook-signature` lists one signature per secret/key so a
receiver on either side of a rotation verifies.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets as _secrets
import uuid
from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
PRIVATE_KEY_PREFIX = "whsk_"
PUBLIC_KEY_PREFIX = "whpk_"
USER_AGENT = "BigLedger-Webhooks/1"
MESSAGE_ID_PREFIX = "msg_"

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SECRET_BYTES = 32


def _decode(value: str, prefix: str, what: str) -> bytes:
    if not value.startswith(prefix):
        raise ValueError(f"A webhook {what} starts with {prefix!r}.")
    try:
        raw = base64.b64decode(value[len(prefix) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"The webhook {what} is not valid base64.") from exc
    if not raw:
        raise ValueError(f"The webhook {what} is empty.")
    return raw


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(_SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key inside a `whsec_` secret; ValueError if malformed."""
    return _decode(secret, SECRET_PREFIX, "secret")


def _private_key(private: str) -> Ed25519PrivateKey:
    raw = _decode(private, PRIVATE_KEY_PREFIX, "signing key")
    if len(raw) != 32:
        raise ValueError("A webhook signing key holds a 32-byte ed25519 private key.")
    return Ed25519PrivateKey.from_private_bytes(raw)


def new_signing_key() -> tuple[str, str]:
    """(private `whsk_…`, public `whpk_…`): a fresh ed25519 pair for `v1a` signatures."""
    raw = _secrets.token_bytes(32)
    private = PRIVATE_KEY_PREFIX + base64.b64encode(raw).decode()
    return private, public_key_of(private)


def public_key_of(private: str) -> str:
    public = _private_key(private).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return PUBLIC_KEY_PREFIX + base64.b64encode(public).decode()


def _signed_content(msg_id: str, timestamp: int, body: bytes) -> bytes:
    return f"{msg_id}.{timestamp}.".encode() + body


def signature_header(
    msg_id: str,
    timestamp: int,
    body: bytes,
    *,
    secrets: Sequence[str] = (),
    signing_keys: Sequence[str] = (),
) -> str:
    """The `webhook-signature` value: one `v1,` per secret and one `v1a,` per private key."""
    if not secrets and not signing_keys:
        raise ValueError("A webhook is signed with at least one secret or signing key.")
    content = _signed_content(msg_id, timestamp, body)
    parts = [
        "v1," + base64.b64encode(hmac.new(secret_key(s), content, hashlib.sha256).digest()).decode()
        for s in secrets
    ]
    parts += [
        "v1a," + base64.b64encode(_private_key(k).sign(content)).decode() for k in signing_keys
    ]
    return " ".join(parts)


def delivery_headers(
    msg_id: str,
    timestamp: int,
    body: bytes,
    *,
    secrets: Sequence[str],
    signing_keys: Sequence[str] = (),
) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": signature_header(
            msg_id, timestamp, body, secrets=secrets, signing_keys=signing_keys
        ),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def _base62(n: int) -> str:
    digits = []
    while n:
        n, r = divmod(n, 62)
        digits.append(_BASE62[r])
    # 22 base62 digits hold any 128-bit value; fixed width keeps ids sortable as the UUIDs are.
    return "".join(reversed(digits)).rjust(22, "0")


def message_id_of(message_uuid: uuid.UUID) -> str:
    """The `webhook-id` of a stored message: deterministic, so it is stable across retries."""
    return MESSAGE_ID_PREFIX + _base62(message_uuid.int)


def new_message_id() -> str:
    return message_id_of(uuid.uuid4())
