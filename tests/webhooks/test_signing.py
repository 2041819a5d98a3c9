"""Our signatures checked by an independent receiver (the `standardwebhooks` library) and by
`cryptography` for the asymmetric `v1a` ones."""

from __future__ import annotations

import base64
import json
import time
import uuid

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from domain.webhooks import signing

BODY = json.dumps({"type": "invoice.posted", "timestamp": "2026-12-07T10:00:00+00:00", "data": {}})
BODY_BYTES = BODY.encode()


def _headers(**kwargs: object) -> dict[str, str]:
    return signing.delivery_headers(
        signing.new_message_id(),
        int(time.time()),
        BODY_BYTES,
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_receiver_with_the_secret_verifies_the_delivery() -> None:
    secret = signing.new_secret()
    headers = _headers(secrets=[secret])
    assert Webhook(secret).verify(BODY_BYTES, headers) == json.loads(BODY)
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == "BigLedger-Webhooks/1"
    assert headers["webhook-timestamp"].isdigit()


def test_during_rotation_receivers_of_the_old_and_the_new_secret_both_verify() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    headers = _headers(secrets=[old, new])
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(BODY_BYTES, headers)
    Webhook(new).verify(BODY_BYTES, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(BODY_BYTES, headers)


def test_a_tampered_body_fails() -> None:
    secret = signing.new_secret()
    headers = _headers(secrets=[secret])
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY_BYTES.replace(b"posted", b"voided"), headers)


def test_a_wrong_secret_fails() -> None:
    headers = _headers(secrets=[signing.new_secret()])
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(BODY_BYTES, headers)


def test_v1a_verifies_with_the_public_key_and_sits_beside_v1() -> None:
    secret = signing.new_secret()
    private, public = signing.new_signing_key()
    assert private.startswith("whsk_") and public.startswith("whpk_")
    assert signing.public_key_of(private) == public
    msg_id, ts = signing.new_message_id(), int(time.time())
    header = signing.signature_header(
        msg_id, ts, BODY_BYTES, secrets=[secret], signing_keys=[private]
    )
    v1, v1a = header.split(" ")
    assert v1.startswith("v1,") and v1a.startswith("v1a,")
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public.removeprefix("whpk_")))
    signed = f"{msg_id}.{ts}.".encode() + BODY_BYTES
    key.verify(base64.b64decode(v1a.removeprefix("v1a,")), signed)
    with pytest.raises(InvalidSignature):
        key.verify(base64.b64decode(v1a.removeprefix("v1a,")), signed + b" ")
    # The symmetric receiver still verifies with the asymmetric signature present.
    Webhook(secret).verify(
        BODY_BYTES,
        {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": header},
    )


def test_signing_key_alone_is_enough() -> None:
    private, _ = signing.new_signing_key()
    header = signing.signature_header("msg_1", 1, b"{}", signing_keys=[private])
    assert header.startswith("v1a,") and " " not in header


def test_no_secret_and_no_key_is_refused() -> None:
    with pytest.raises(ValueError):
        signing.signature_header("msg_1", 1, b"{}")


def test_secret_format() -> None:
    secret = signing.new_secret()
    assert secret.startswith(signing.SECRET_PREFIX)
    assert len(signing.secret_key(secret)) == 32
    assert signing.new_secret() != secret
    for bad in ["", "abc", "whsec_", "whsec_not base64!", "whpk_" + secret[6:]]:
        with pytest.raises(ValueError):
            signing.secret_key(bad)
    with pytest.raises(ValueError):
        signing.public_key_of("whsk_" + base64.b64encode(b"short").decode())


def test_message_ids_are_stable_per_uuid_and_url_safe() -> None:
    u = uuid.uuid4()
    assert signing.message_id_of(u) == signing.message_id_of(u)
    assert signing.message_id_of(u) != signing.message_id_of(uuid.uuid4())
    mid = signing.new_message_id()
    assert mid.startswith("msg_") and mid[4:].isalnum() and len(mid) == 26
    assert signing.message_id_of(uuid.UUID(int=0)) == "msg_" + "0" * 22
    assert signing.message_id_of(uuid.UUID(int=2**128 - 1)) != signing.message_id_of(
        uuid.UUID(int=2**128 - 2)
    )
