"""The hash chain's rules, without a database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from domain.audit.model import (
    GENESIS_HASH,
    REDACTED,
    AuditEntry,
    ChainVerifier,
    canonical_json,
    chain_hash,
    command_entry,
    content_around_seq,
    format_timestamp,
)
from domain.shared.events import DomainEvent, EventMetadata

TENANT = uuid.UUID("11111111-2222-3333-4444-555555555555")
WHEN = datetime(2026, 11, 24, 8, 30, 0, tzinfo=UTC)


def entry(**overrides: object) -> AuditEntry:
    values: dict[str, object] = {
        "tenant_id": TENANT,
        "occurred_at": WHEN,
        "operation": "updateCompany",
        "changes": {"name": {"before": "Acme", "after": "Acme Bhd"}},
        "request_id": "req-1",
    }
    values.update(overrides)
    return AuditEntry(**values).normalised()  # type: ignore[arg-type]


def stored_row(prev_hash: str, e: AuditEntry) -> tuple[object, ...]:
    """A row as the store streams it to the verifier (texts, JSON as text)."""
    import json

    def s(v: object) -> str | None:
        return None if v is None else str(v)

    return (
        e.seq, prev_hash, chain_hash(prev_hash, e), str(e.tenant_id),
        format_timestamp(e.occurred_at), s(e.actor_user_id), s(e.api_key_id), e.operation,
        e.outcome, e.aggregate_type, s(e.aggregate_id),
        None if e.changes is None else json.dumps(e.changes), e.ip_address, e.user_agent,
        e.request_id, e.correlation_id,
    )  # fmt: skip


def chain(entries: list[AuditEntry]) -> list[tuple[object, ...]]:
    rows, prev = [], GENESIS_HASH
    for seq, e in enumerate(entries, start=1):
        row = stored_row(prev, e.at(seq))
        rows.append(row)
        prev = str(row[2])
    return rows


def test_hash_is_sha256_hex_and_depends_on_every_part() -> None:
    base = entry().at(1)
    digest = chain_hash(GENESIS_HASH, base)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert chain_hash(GENESIS_HASH, base) == digest  # deterministic
    assert chain_hash("f" * 64, base) != digest  # linked to the previous row
    assert chain_hash(GENESIS_HASH, base.at(2)) != digest  # the position counts
    assert chain_hash(GENESIS_HASH, entry(outcome="FORBIDDEN").at(1)) != digest
    assert chain_hash(GENESIS_HASH, entry(ip_address="10.0.0.1").at(1)) != digest
    changed = entry(changes={"name": {"before": "Acme", "after": "Evil"}}).at(1)
    assert chain_hash(GENESIS_HASH, changed) != digest


def test_time_is_hashed_in_utc_with_microseconds() -> None:
    local = WHEN.astimezone(timezone(timedelta(hours=8)))
    assert chain_hash(GENESIS_HASH, entry(occurred_at=local).at(1)) == chain_hash(
        GENESIS_HASH, entry().at(1)
    )
    assert format_timestamp(WHEN) == "2026-11-24T08:30:00.000000Z"


def test_normalising_keeps_only_what_jsonb_stores_exactly() -> None:
    e = entry(
        changes={"amount": {"before": Decimal("1.50"), "after": 2.5}, "x\x00": {"after": "a\x00b"}},
        user_agent="u" * 2000,
    )
    assert e.changes == {"amount": {"before": "1.50", "after": "2.5"}, "x": {"after": "ab"}}
    assert e.user_agent is not None and len(e.user_agent) == 512


def test_a_command_row_is_built_from_its_events_with_secrets_redacted() -> None:
    company = uuid.uuid4()
    meta = EventMetadata(source="test", request_id="r")

    def event(event_type: str, payload: dict[str, object]) -> DomainEvent:
        return DomainEvent(
            uuid.uuid4(), event_type, company, "Company", 1, WHEN, "r", TENANT, TENANT,
            payload, meta,
        )  # fmt: skip

    created = event("CompanyCreated", {"id": str(company), "name": "Acme", "taxNumber": "C1"})
    updated = event(
        "CompanyUpdated",
        {"version": 2, "changes": {"name": {"before": "Acme", "after": "Acme Bhd"}}},
    )
    row = command_entry(
        tenant_id=TENANT, actor_user_id=None, operation="createCompany",
        events=[created, updated], occurred_at=WHEN,
    )  # fmt: skip
    assert (row.aggregate_type, row.aggregate_id) == ("Company", company)
    assert row.changes == {
        "name": {"before": None, "after": "Acme Bhd"},  # first before, last after
        "taxNumber": {"before": None, "after": REDACTED},
    }


def test_verifier_accepts_a_chain_and_names_the_first_broken_row() -> None:
    entries = [entry(request_id=f"req-{i}") for i in range(10)]
    rows = chain(entries)
    ok = ChainVerifier()
    assert ok.feed(rows[:4]) and ok.feed(rows[4:])  # batches join up
    result = ok.result()
    assert (result.ok, result.checked_rows, result.head_hash) == (True, 10, rows[-1][2])

    altered = list(rows)
    altered[6] = (*rows[6][:7], "deleteEverything", *rows[6][8:])
    bad = ChainVerifier()
    bad.feed(altered)
    assert (bad.result().ok, bad.result().first_broken_seq, bad.result().checked_rows) == (
        False, 7, 6,
    )  # fmt: skip
    assert "altered" in (bad.result().reason or "")

    missing = rows[:3] + rows[4:]
    gap = ChainVerifier()
    gap.feed(missing)
    assert gap.result().first_broken_seq == 4 and "missing" in (gap.result().reason or "")

    # A forger who recomputes the altered row's own hash still breaks the next link.
    forged_entry = entries[2].at(3)
    forged_entry = AuditEntry(**{**forged_entry.__dict__, "outcome": "ok-forged"})
    forged = [*rows[:2], stored_row(str(rows[1][2]), forged_entry), *rows[3:]]
    relinked = ChainVerifier()
    relinked.feed(forged)
    assert relinked.result().first_broken_seq == 4
    assert "link" in (relinked.result().reason or "")


def test_the_fast_codec_gives_the_canonical_bytes_or_is_overruled() -> None:
    from db.audit import OrjsonCodec
    from domain.audit.model import canonical_json

    tricky = [
        1, "plain", 'quote " and \\ backslash', "tab\tnewline\nreturn\rbell\x07\x1f\x7f",
        "naïve café 日本語 🧾", "\u2028\u2029", {"é": 1, "e": 2, "z": 3, "É": 4, "日": 5},
        {"nested": {"b": [True, False, None], "a": -(2**62)}}, [], {}, "",
    ]  # fmt: skip
    assert OrjsonCodec.dumps(tricky) == canonical_json(tricky)

    # Where it cannot (an integer beyond 64 bits), the verifier falls back to the standard
    # library and still gives the right verdict.
    big = entry(changes={"n": {"before": 2**70, "after": 1}})
    rows = chain([big, entry()])
    fast = ChainVerifier(OrjsonCodec())
    assert fast.feed(rows) and fast.result().checked_rows == 2


def test_the_content_cut_around_its_seq_is_the_hashed_content_for_any_seq() -> None:
    """The database fills the seq in between head and tail (shared.audit_append): the bytes
    must be exactly those chain_hash covers, whatever the seq and the text."""
    e = entry(changes={"name": {"before": "Kedai", "after": "Kedai Café — 店"}},
              user_agent='say "hi"')  # fmt: skip
    head, tail = content_around_seq(e)
    for seq in (1, 9, 10, 268_435_455):
        assert head + str(seq).encode() + tail == canonical_json(e.at(seq).content())


def test_the_pads_sent_to_the_database_give_hmac_sha256_by_its_definition() -> None:
    """shared.audit_append_keyed computes sha256(opad_key || sha256(ipad_key || message))."""
    import hashlib
    import hmac

    from domain.audit.model import hmac_pads

    key, message = bytes(range(32)), b"prev-hash" + canonical_json(entry().at(7).content(2))
    pads = hmac_pads(key)
    inner = hashlib.sha256(pads[:64] + message).digest()
    assert hashlib.sha256(pads[64:] + inner).digest() == hmac.digest(key, message, "sha256")


def test_a_keyed_chain_needs_its_key_and_must_not_fall_back_to_unkeyed_rows() -> None:
    from domain.audit.model import keyed_chain_hash

    key = b"k" * 32

    def keyed_row(prev: str, e: AuditEntry) -> tuple[object, ...]:
        return (*stored_row(prev, e)[:2], keyed_chain_hash(key, prev, e),
                *stored_row(prev, e)[3:], 2, e.seq)  # fmt: skip

    first = keyed_row(GENESIS_HASH, entry().at(1))
    second = keyed_row(str(first[2]), entry(operation="createCompany").at(2))
    ok = ChainVerifier(key=key)
    assert ok.feed([first, second]) and ok.result().ok
    assert not ChainVerifier(key=b"x" * 32).feed([first])  # another key: altered or forged
    # An unkeyed row after a keyed one is a forgery, whatever its (correct) SHA-256.
    unkeyed = stored_row(str(second[2]), entry().at(3))
    downgraded = ChainVerifier(key=key)
    assert not downgraded.feed([first, second, unkeyed])
    assert downgraded.result().first_broken_seq == 3
