"""Audit entries and their hash chain.

Each tenant's audit rows form one chain: row `seq` stores `prev_hash` (the hash of row
`seq - 1`, or `GENESIS_HASH` for the first row) and `hash = SHA-256(prev_hash || content)`, where
content is a canonical JSON array of every other column of the row (seq and tenant included, so a
row cannot be moved or renumbered). Changing any stored value breaks that row's hash; deleting or
inserting a row breaks the link of the row after it. Verification needs nothing but the rows.

Keyed chain (chain version 2). A row's hash is an HMAC, so only whoever holds the chain key
(derived from the key ring, never stored in the database) can make a row that verifies:
`hash = HMAC-SHA256(row_key, prev_hash || content)` with `row_key = HMAC-SHA256(chain_key,
identity)`, where identity is every column but seq and changes. The database computes the outer
HMAC as it appends (it alone learns the seq and the previous hash, inside the posting's one
statement), so the app hands it the row key, never the chain key: a row key only seals rows
with that identity (who, when, what operation, from where), and the chain key never reaches
PostgreSQL. Keyed content starts with 2 and carries the row's stored seq (which names its
lane), where unkeyed content (version 1, rows written before keying) carries the position.
A chain may start with unkeyed rows; after its first keyed row every row must be keyed, and it
must end in a keyed row (so history written before keying is pinned by a keyed successor).

Pure Python: the database layer stores and streams rows, this module decides what their hash is.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Protocol

from domain.shared.events import DomainEvent

GENESIS_HASH = "0" * 64
# Bumped if the canonical content ever changes; part of every hashed content.
HASH_VERSION = 1  # unkeyed: SHA-256 over the content with the row's position in its lane
CHAIN_KEYED = 2  # HMAC-SHA256 under a row key, over the content with the row's stored seq
ROW_KEY_LABEL = b"bigledger audit row key\x00"
HMAC_BLOCK = 64  # SHA-256's block size: an HMAC key is padded to it
OUTCOME_OK = "ok"
SIGN_IN = "login"
INTERNAL_ERROR = "INTERNAL_ERROR"

# Values of these fields never enter the audit log (they are encrypted at rest, or secrets);
# the log keeps that they changed and whether they were set, not what they were.
REDACTED = "[redacted]"
SENSITIVE_FIELDS = frozenset(
    {
        "taxNumber", "tax_number", "taxId", "tax_id", "bankAccount", "bank_account", "password",
        "passwordHash", "password_hash", "secret", "token", "accessToken", "refreshToken",
    }
)  # fmt: skip

_LIMITS = {
    "operation": 100,
    "outcome": 60,
    "aggregate_type": 100,
    "ip_address": 64,
    "user_agent": 512,
    "request_id": 128,
    "correlation_id": 128,
}


@dataclass(frozen=True)
class AuditEntry:
    """One audit row. `seq` is assigned when the row is appended to its tenant's chain."""

    tenant_id: uuid.UUID
    occurred_at: datetime
    operation: str  # the GraphQL mutation name, or "login"
    outcome: str = OUTCOME_OK  # "ok" or the error code that refused it
    actor_user_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    aggregate_type: str | None = None
    aggregate_id: uuid.UUID | None = None
    changes: dict[str, Any] | None = None  # {field: {"before": x, "after": y}}
    ip_address: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    correlation_id: str | None = None
    seq: int = 0

    def normalised(self) -> AuditEntry:
        """The entry as it will be stored: bounded strings, JSON-exact changes, UTC time.

        Hashing the normalised entry means the hash recomputed from the stored row matches.
        """
        bounded: dict[str, Any] = {
            name: _text(getattr(self, name), limit) for name, limit in _LIMITS.items()
        }
        return replace(
            self,
            occurred_at=self.occurred_at.astimezone(UTC),
            changes=_json_exact(self.changes) if self.changes is not None else None,
            **bounded,
        )

    def at(self, seq: int) -> AuditEntry:
        return replace(self, seq=seq)

    def content(self, version: int = HASH_VERSION) -> list[Any]:
        """The canonical content (a JSON array, in column order) that the hash covers."""
        return [
            version,
            str(self.tenant_id),
            self.seq,
            format_timestamp(self.occurred_at),
            _str_or_none(self.actor_user_id),
            _str_or_none(self.api_key_id),
            self.operation,
            self.outcome,
            self.aggregate_type,
            _str_or_none(self.aggregate_id),
            self.changes,
            self.ip_address,
            self.user_agent,
            self.request_id,
            self.correlation_id,
        ]


def content_around_seq(entry: AuditEntry, version: int = HASH_VERSION) -> tuple[bytes, bytes]:
    """The canonical content's bytes before and after its seq, for an appender that learns the
    seq only where it stores the row: `canonical_json(entry.at(seq).content(version))` is
    exactly head + the seq's digits + tail."""
    content = entry.content(version)
    head = canonical_json(content[:2])[:-1] + b","  # '[version,"tenant",'
    tail = b"," + canonical_json(content[3:])[1:]  # ',"occurred at",...]'
    return head, tail


def chain_hash(prev_hash: str, entry: AuditEntry) -> str:
    """SHA-256 (hex) of the previous row's hash followed by this row's canonical content."""
    return content_hash(prev_hash, entry.content())


def content_hash(prev_hash: str, content: Sequence[Any]) -> str:
    """The hash of a row given its content array (see `AuditEntry.content` for the order).

    Verification builds the array straight from stored columns and calls this; appending
    builds it from an `AuditEntry`. Both therefore hash the same bytes.
    """
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(content)).hexdigest()


def row_key(
    chain_key: bytes, content: Sequence[Any], dumps: Callable[[Any], bytes] | None = None
) -> bytes:
    """The key of one keyed row: HMAC of its identity (every content part but the version, the
    seq and the changes) under the chain key. Changes are left out because a posting's entry
    number is drawn, and written into them, inside the statement that appends the row."""
    identity = [content[1], *content[3:10], *content[11:]]
    return hmac.digest(chain_key, ROW_KEY_LABEL + (dumps or canonical_json)(identity), "sha256")


def keyed_hash(key_of_row: bytes, prev_hash: str, body: bytes) -> str:
    """HMAC-SHA256 (hex) of the previous row's hash followed by the row's canonical content."""
    return hmac.digest(key_of_row, prev_hash.encode("ascii") + body, "sha256").hex()


def keyed_chain_hash(chain_key: bytes, prev_hash: str, entry: AuditEntry) -> str:
    """The keyed hash of `entry` at its stored seq (what the database computes on append)."""
    content = entry.content(CHAIN_KEYED)
    return keyed_hash(row_key(chain_key, content), prev_hash, canonical_json(content))


def hmac_pads(key: bytes) -> bytes:
    """The key XOR ipad, then the key XOR opad (64 bytes each): with them SQL computes the HMAC
    as sha256(opad_key || sha256(ipad_key || message)), with no crypto extension."""
    if len(key) > HMAC_BLOCK:
        raise ValueError("an HMAC key longer than the block must be hashed first")
    block = int.from_bytes(key.ljust(HMAC_BLOCK, b"\x00"), "big")
    inner = block ^ int.from_bytes(b"\x36" * HMAC_BLOCK, "big")
    outer = block ^ int.from_bytes(b"\x5c" * HMAC_BLOCK, "big")
    return inner.to_bytes(HMAC_BLOCK, "big") + outer.to_bytes(HMAC_BLOCK, "big")


# Canonical JSON: keys sorted, no whitespace, UTF-8 (non-ASCII unescaped). Any encoder that
# produces exactly these bytes may stand in for it (see ChainVerifier's `codec`).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(content: Any) -> bytes:
    return _CANONICAL.encode(content).encode("utf-8")


def format_timestamp(moment: datetime) -> str:
    """UTC with microseconds, always the same width (what PostgreSQL's to_char gives too)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def command_entry(
    *,
    tenant_id: uuid.UUID,
    actor_user_id: uuid.UUID | None,
    operation: str,
    events: Sequence[DomainEvent],
    occurred_at: datetime,
    api_key_id: uuid.UUID | None = None,
    ip_address: str | None = None,
    user_agent: str | None = None,
    request_id: str | None = None,
    correlation_id: str | None = None,
) -> AuditEntry:
    """The one row of a committed command, built from the events it recorded.

    The row's aggregate is that of the first event; the changes of every event on that aggregate
    are merged (first `before`, last `after`). Events on other aggregates, if a command has
    any, are listed under the key "$related" with their own changes.
    """
    aggregate_type = aggregate_id = None
    changes: dict[str, Any] | None = None
    if events:
        first = events[0]
        aggregate_type, aggregate_id = first.aggregate_type, first.aggregate_id
        changes = {}
        related: list[dict[str, Any]] = []
        for event in events:
            diff = event_changes(event.event_type, event.payload)
            if (event.aggregate_type, event.aggregate_id) == (aggregate_type, aggregate_id):
                for key, change in diff.items():
                    if key in changes and "before" in changes[key]:
                        change = {**change, "before": changes[key]["before"]}
                    changes[key] = change
            else:
                related.append(
                    {
                        "aggregateType": event.aggregate_type,
                        "aggregateId": str(event.aggregate_id),
                        "eventType": event.event_type,
                        "changes": diff,
                    }
                )
        if related:
            changes["$related"] = related
    return AuditEntry(
        tenant_id=tenant_id,
        occurred_at=occurred_at,
        operation=operation,
        actor_user_id=actor_user_id,
        api_key_id=api_key_id,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        changes=changes,
        ip_address=ip_address,
        user_agent=user_agent,
        request_id=request_id,
        correlation_id=correlation_id,
    )


def event_changes(event_type: str, payload: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Before/after per field, from one event's payload.

    `...Updated`-style payloads carry `changes: {field: {before, after}}`; `...Created`
    payloads are the new snapshot (everything is "after"). Other events: their payload fields
    as "after" (what the event says now holds).
    """
    raw = payload.get("changes")
    if isinstance(raw, Mapping) and all(
        isinstance(v, Mapping) and ("before" in v or "after" in v) for v in raw.values()
    ):
        out = {str(k): dict(v) for k, v in raw.items()}
    elif event_type.endswith("Created"):
        out = {str(k): {"before": None, "after": v} for k, v in payload.items() if k != "id"}
    else:
        out = {str(k): {"after": v} for k, v in payload.items()}
    return {k: _redact(k, v) for k, v in out.items()}


def _redact(field: str, change: dict[str, Any]) -> dict[str, Any]:
    if field not in SENSITIVE_FIELDS:
        return change
    return {side: (None if value is None else REDACTED) for side, value in change.items()}


def _json_exact(value: Any) -> Any:
    """Only what survives a jsonb round trip unchanged: str, int, bool, None, lists, objects.

    Decimals and floats become strings (jsonb would re-spell them), dates ISO strings, UUIDs
    strings; NUL characters are dropped (PostgreSQL text cannot hold them).
    """
    kind = type(value)  # exact types first: every command's changes pass through here
    if kind is str:
        return value.replace("\x00", "") if "\x00" in value else value
    if value is None or kind is bool or kind is int:
        return value
    if kind is dict:
        return {
            (k if type(k) is str and "\x00" not in k else str(k).replace("\x00", "")):
            _json_exact(v) for k, v in value.items()
        }  # fmt: skip
    if kind is list or kind is tuple:
        return [_json_exact(v) for v in value]
    if isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, Enum):
        return _json_exact(value.value)
    if isinstance(value, Decimal | float):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k).replace("\x00", ""): _json_exact(v) for k, v in value.items()}
    if isinstance(value, Iterable):
        return [_json_exact(v) for v in value]
    return str(value)


def _text(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    return value.replace("\x00", "")[:limit]


def _str_or_none(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class ChainVerification:
    ok: bool
    checked_rows: int
    first_broken_seq: int | None = None
    reason: str | None = None
    head_hash: str = GENESIS_HASH  # hash of the last row that checked out


class JsonCodec(Protocol):
    """A faster stand-in for the canonical JSON functions (e.g. orjson, in the db layer)."""

    def dumps(self, content: Any) -> bytes:
        """Exactly `canonical_json(content)`'s bytes, or raise (then the row is re-checked)."""

    def loads(self, text: str) -> Any: ...


class ChainVerifier:
    """Checks one chain's rows, fed in seq order in batches, against the chain rules.

    Each row is a sequence laid out as `VERIFY_COLUMNS`: seq (the position in the chain),
    prev_hash, hash, then the content columns as text (ids as canonical UUID strings,
    occurred_at formatted as `format_timestamp`, changes as JSON text), then optionally the
    row's chain version and its stored seq (without them a row is unkeyed, stored at its
    position). Stops at the first broken row.

    With a `key` (the chain key) keyed rows are checked and the chain must end keyed: rows
    written without the key after keyed ones, or a chain with no keyed row after its unkeyed
    ones, are refused, since anyone can compute an unkeyed hash. Without a key only unkeyed
    rows can be checked.

    With a `codec`, rows are hashed with it first; a row it does not confirm is re-checked with
    the standard library's canonical JSON before it is called broken. So a codec can only make
    verification faster, never change its verdict (a match through a faithful JSON encoder of
    the stored content is a match of the content itself).
    """

    def __init__(self, codec: JsonCodec | None = None, key: bytes | None = None) -> None:
        self.checked = 0
        self.head = GENESIS_HASH
        self.broken: tuple[int, str] | None = None
        self._codec = codec
        self._key = key
        self.keyed = False  # a keyed row has been seen
        self.unkeyed_from: int | None = None  # first row of a run of unkeyed rows at the end

    def feed(self, rows: Iterable[Sequence[Any]]) -> bool:
        """Check a batch; False once a broken row has been found (feed no more)."""
        if self.broken is not None:
            return False
        expected, head, checked = self.checked + 1, self.head, self.checked
        codec = self._codec
        dumps = codec.dumps if codec is not None else canonical_json
        loads = codec.loads if codec is not None else json.loads
        sha256 = hashlib.sha256
        for row in rows:
            seq, prev_hash, stored = row[0], row[1], row[2]
            version = row[16] if len(row) > 16 else HASH_VERSION
            if seq != expected:
                self.broken = (expected, f"row {expected} is missing (next row is {seq})")
                break
            if prev_hash != head:
                self.broken = (seq, f"row {seq} does not link to the hash of row {seq - 1}")
                break
            if version == CHAIN_KEYED:
                if self._key is None:
                    self.broken = (seq, f"row {seq} is keyed: checking it needs the chain key")
                    break
                matches = self._keyed_matches(row, dumps, loads)
                if not matches and codec is not None:
                    matches = self._keyed_matches(row, canonical_json, json.loads)
                if not matches:
                    self.broken = (
                        seq,
                        f"row {seq} was altered or forged: its content does not match its "
                        "keyed hash",
                    )
                    break
                self.keyed, self.unkeyed_from = True, None
            elif version == HASH_VERSION:
                if self.keyed:
                    self.broken = (
                        seq,
                        f"row {seq} is not keyed although earlier rows are: it was written "
                        "without the chain key (forged)",
                    )
                    break
                try:
                    body = dumps(_stored_content(row, loads))
                    matches = sha256(prev_hash.encode("ascii") + body).hexdigest() == stored
                except (TypeError, ValueError, OverflowError):
                    matches = False
                if not matches and (
                    codec is None
                    or content_hash(prev_hash, _stored_content(row, json.loads)) != stored
                ):
                    self.broken = (
                        seq, f"row {seq} was altered: its content does not match its hash"
                    )  # fmt: skip
                    break
                if self.unkeyed_from is None:
                    self.unkeyed_from = seq
            else:
                self.broken = (seq, f"row {seq} has an unknown chain version {version}")
                break
            head, expected, checked = stored, expected + 1, checked + 1
        self.head, self.checked = head, checked
        return self.broken is None

    def _keyed_matches(
        self, row: Sequence[Any], dumps: Callable[[Any], bytes], loads: Callable[[str], Any]
    ) -> bool:
        assert self._key is not None
        try:
            content = _stored_content(row, loads, CHAIN_KEYED, row[17])
            key_of_row = row_key(self._key, content, dumps)
            return keyed_hash(key_of_row, row[1], dumps(content)) == row[2]
        except (TypeError, ValueError, OverflowError):
            return False

    def result(self) -> ChainVerification:
        if self.broken is None and self._key is not None and self.unkeyed_from is not None:
            # Anyone can compute unkeyed hashes: only a keyed row after them vouches for them.
            self.broken = (
                self.unkeyed_from,
                f"rows {self.unkeyed_from} to {self.checked} are not keyed and no keyed row "
                "follows them: they could have been written by anyone",
            )
            self.checked = self.unkeyed_from - 1
        if self.broken is None:
            return ChainVerification(True, self.checked, head_hash=self.head)
        seq, reason = self.broken
        return ChainVerification(False, self.checked, seq, reason, self.head)


def _stored_content(
    row: Sequence[Any],
    loads: Callable[[str], Any],
    version: int = HASH_VERSION,
    seq: int | None = None,
) -> list[Any]:
    """`AuditEntry.content(version)`, rebuilt from a row laid out as `VERIFY_COLUMNS` (at its
    position, or at `seq`)."""
    changes = row[11]
    return [
        version, row[3], row[0] if seq is None else seq, row[4], row[5], row[6], row[7],
        row[8], row[9], row[10], None if changes is None else loads(changes), row[12], row[13],
        row[14], row[15],
    ]  # fmt: skip


# The columns `ChainVerifier` expects, in order (the store selects them this way), then
# optionally the chain version and the stored seq.
VERIFY_COLUMNS = (
    "seq", "prev_hash", "hash", "tenant_id", "occurred_at", "actor_user_id", "api_key_id",
    "operation", "outcome", "aggregate_type", "aggregate_id", "changes", "ip_address",
    "user_agent", "request_id", "correlation_id",
)  # fmt: skip
