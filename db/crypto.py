"""Encryption at rest of sensitive columns: AES-256-GCM under a key ring, blind indexes for lookup.

A stored value is self-describing text: ``enc:v1:<kid>:<base64(nonce || ciphertext || tag)>``.
The key id says which key of the ring sealed it, so keys rotate without a flag day: new writes use
the active key, old values stay readable while their key is in the ring, and
`bigledger keys rotate` re-encrypts them (`db/key_rotation.py`).

Each value is sealed with associated data naming where it lives — tenant, table, column and row —
so a ciphertext copied to another row or another tenant fails to decrypt (it fails closed with
`DecryptionError`; it never yields the other row's plaintext). A column that must be searchable
gets a blind index beside it: HMAC-SHA256 (a separate key) of the normalised value, scoped to the
tenant and column, so `WHERE x_index = :digest` finds exact matches without decrypting anything and
equal values of two tenants do not look alike.

Values written before encryption existed are plaintext; they read as they are (`is_encrypted` is
false) and the next write or `keys rotate` seals them.

Keys come from `BIGLEDGER_ENCRYPTION_KEYS` (JSON, see `KeyRing.from_json`) or, when unset, from
`encryption-keys.json` in the data dir, generated on first run (mode 0600). A file-backed cipher
notices a rotated file by itself (the ring is re-read when the file changes, checked at most every
few seconds, and at once when a value names a key id it does not know).

To encrypt another column: declare one `EncryptedField` below, list it in `ENCRYPTED_FIELDS` (so
rotation covers it), and have its repository `seal` on write and `open` on read.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import hashlib
import hmac
import os
import re
import threading
import time
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.tables import TENANT_SCHEMA_PLACEHOLDER
from db.tables.connectors import connectors
from db.tables.purchasing import suppliers
from db.tables.sales import customers
from db.tables.shared import users
from db.tables.tenant import companies
from db.tables.webhooks import webhook_endpoints

VERSION = "v1"
PREFIX = f"enc:{VERSION}:"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # the GCM standard nonce; random per value
INDEX_KEY_MIN_BYTES = 32
KID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_VALUE = re.compile(r"^enc:v1:([A-Za-z0-9_-]{1,32}):([A-Za-z0-9+/]+={0,2})$")


class KeyRingError(ValueError):
    """The configured key ring is unusable. Messages never contain key material."""


class DecryptionError(Exception):
    """A stored value cannot be decrypted: unknown key, wrong place (copied), or tampered with.

    The message names the key id and where the value was read, never any part of a value.
    """


def normalise(value: str) -> str:
    """What a blind index compares: NFKC, trimmed, case-folded (tax ids, account numbers)."""
    return unicodedata.normalize("NFKC", value).strip().casefold()


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise KeyRingError(f"{what} is not valid base64") from None


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@dataclass(frozen=True)
class KeyRing:
    """Key id -> 32-byte AES key; one active id that new values use; an HMAC key for indexes.

    JSON form: ``{"active": "k2", "keys": {"k1": "<base64>", "k2": "<base64>"},
    "index_key": "<base64>"}``. The index key never rotates with the encryption keys (a new one
    would change every digest); rotating it means recomputing every index.
    """

    active: str
    keys: Mapping[str, bytes] = field(repr=False)
    index_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyRingError("the key ring has no keys")
        for kid, key in self.keys.items():
            if not KID.match(kid):
                raise KeyRingError(f"key id {kid!r} must be 1-32 characters of A-Z a-z 0-9 _ -")
            if len(key) != KEY_BYTES:
                raise KeyRingError(f"key {kid!r} must be {KEY_BYTES} bytes (AES-256)")
        if self.active not in self.keys:
            raise KeyRingError(f"the active key id {self.active!r} is not in the ring")
        if len(self.index_key) < INDEX_KEY_MIN_BYTES:
            raise KeyRingError(f"index_key must be at least {INDEX_KEY_MIN_BYTES} bytes")

    @classmethod
    def generate(cls, kid: str = "k1") -> KeyRing:
        return cls(kid, {kid: AESGCM.generate_key(bit_length=256)}, os.urandom(KEY_BYTES))

    @classmethod
    def from_json(cls, text: str | bytes) -> KeyRing:
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError:
            raise KeyRingError("the key ring is not valid JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
            raise KeyRingError('the key ring must be {"active", "keys": {...}, "index_key"}')
        active, index_key = data.get("active"), data.get("index_key")
        if not isinstance(active, str) or not isinstance(index_key, str):
            raise KeyRingError("the key ring needs an `active` key id and an `index_key`")
        keys = {}
        for kid, encoded in data["keys"].items():
            if not isinstance(encoded, str):
                raise KeyRingError(f"key {kid!r} must be a base64 string")
            keys[kid] = _b64decode(encoded, f"key {kid!r}")
        return cls(active, keys, _b64decode(index_key, "index_key"))

    def to_json(self) -> str:
        return orjson.dumps(
            {
                "active": self.active,
                "keys": {kid: _b64(key) for kid, key in self.keys.items()},
                "index_key": _b64(self.index_key),
            },
            option=orjson.OPT_INDENT_2,
        ).decode()

    @property
    def audit_chain_key(self) -> bytes:
        """The audit chain's HMAC key (db/audit.py), derived from the index key under its own
        label so the two uses never share a key. Like the index key it never rotates (every
        keyed audit row would stop verifying); it exists only where the ring does, never in
        the database."""
        return hmac.digest(self.index_key, b"bigledger audit chain key v1", "sha256")

    def next_kid(self) -> str:
        numbers = [int(k[1:]) for k in self.keys if re.fullmatch(r"k\d+", k)]
        return f"k{max(numbers, default=0) + 1}"

    def with_new_active_key(self, kid: str | None = None) -> KeyRing:
        """A ring with one more key, made active; every old key stays so old values read."""
        kid = kid or self.next_kid()
        if kid in self.keys:
            raise KeyRingError(f"key id {kid!r} is already in the ring")
        keys = {**self.keys, kid: AESGCM.generate_key(bit_length=256)}
        return KeyRing(kid, keys, self.index_key)


# --- the key ring file in the data dir ---------------------------------------------------------


def _write_private(path: Path, text: str) -> None:
    """Atomically replace `path` with `text`, readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Serialise read-modify-write of the ring file across processes (two rotations at once
    would otherwise each add a key and one of them — with values sealed under it — be lost)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def load_or_create_key_ring(configured: str | None, path: Path) -> KeyRing:
    """Use the configured ring, else the one kept in the data dir, else make and keep one."""
    if configured:
        return KeyRing.from_json(configured)
    if path.exists():
        return KeyRing.from_json(path.read_bytes())
    with _file_lock(path):
        if not path.exists():  # another process may have made it while we waited
            _write_private(path, KeyRing.generate().to_json())
    return KeyRing.from_json(path.read_bytes())


def rotate_key_file(path: Path) -> KeyRing:
    """Add a new active key to the ring file (creating the file if there is none)."""
    with _file_lock(path):
        ring = KeyRing.from_json(path.read_bytes()) if path.exists() else KeyRing.generate()
        rotated = ring.with_new_active_key()
        _write_private(path, rotated.to_json())
    return rotated


# --- the cipher ---------------------------------------------------------------------------------


def is_encrypted(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def key_id(value: str) -> str | None:
    """The key id a stored value was sealed with (None for plaintext)."""
    match = _VALUE.match(value)
    return match.group(1) if match else None


class FieldCipher:
    """Seals and opens column values; computes blind indexes. Safe to share across tasks.

    With `source` (the ring file), the ring follows the file: a rotation done by
    `bigledger keys rotate` in another process is picked up without a restart.
    """

    RELOAD_EVERY = 5.0  # seconds between checks of the ring file

    def __init__(self, ring: KeyRing, *, source: Path | None = None) -> None:
        self._ring = ring
        self._source = source
        self._stamp = self._file_stamp()
        self._checked = time.monotonic()
        self._lock = threading.Lock()
        self._aeads: dict[tuple[str, bytes], AESGCM] = {}

    @classmethod
    def load(cls, configured: str | None, path: Path) -> FieldCipher:
        """Keys from settings (JSON) if given; else the data dir's ring file, followed."""
        ring = load_or_create_key_ring(configured, path)
        return cls(ring, source=None if configured else path)

    def __repr__(self) -> str:
        return f"FieldCipher(active={self._ring.active!r}, keys={sorted(self._ring.keys)})"

    @property
    def ring(self) -> KeyRing:
        self._maybe_reload()
        return self._ring

    @property
    def active_kid(self) -> str:
        return self.ring.active

    @property
    def audit_chain_key(self) -> bytes:
        return self.ring.audit_chain_key

    # - file following -

    def _file_stamp(self) -> tuple[int, int] | None:
        if self._source is None:
            return None
        try:
            st = self._source.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _maybe_reload(self, *, force: bool = False) -> bool:
        if self._source is None:
            return False
        now = time.monotonic()
        if not force and now - self._checked < self.RELOAD_EVERY:
            return False
        with self._lock:
            self._checked = now
            stamp = self._file_stamp()
            if stamp is None or stamp == self._stamp:
                return False
            self._ring = KeyRing.from_json(self._source.read_bytes())
            self._stamp = stamp
            return True

    def _aead(self, kid: str) -> AESGCM:
        ring = self._ring
        key = ring.keys.get(kid)
        if key is None and self._maybe_reload(force=True):
            ring = self._ring
            key = ring.keys.get(kid)
        if key is None:
            raise KeyError(kid)
        aead = self._aeads.get((kid, key))
        if aead is None:
            aead = self._aeads[(kid, key)] = AESGCM(key)
        return aead

    # - values -

    @staticmethod
    def _aad(kid: str, context: str) -> bytes:
        return f"{PREFIX}{kid}|{context}".encode()

    def encrypt(self, plaintext: str, *, context: str) -> str:
        kid = self.ring.active
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead(kid).encrypt(nonce, plaintext.encode(), self._aad(kid, context))
        return f"{PREFIX}{kid}:{_b64(nonce + sealed)}"

    def decrypt(self, value: str, *, context: str) -> str:
        """The plaintext of a stored value; a plaintext (pre-encryption) value comes back as is.

        Raises DecryptionError when the value cannot be opened here — never returns garbage.
        """
        if not is_encrypted(value):
            return value
        match = _VALUE.match(value)
        if match is None:
            raise DecryptionError(f"stored value at {context} is malformed")
        kid = match.group(1)
        try:
            raw = base64.b64decode(match.group(2), validate=True)
        except (binascii.Error, ValueError):
            raise DecryptionError(f"stored value at {context} is malformed") from None
        if len(raw) < NONCE_BYTES + 16:
            raise DecryptionError(f"stored value at {context} is truncated")
        try:
            aead = self._aead(kid)
        except KeyError:
            raise DecryptionError(
                f"stored value at {context} was sealed with key {kid!r}, which is not in the ring"
            ) from None
        try:
            plain = aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], self._aad(kid, context))
        except InvalidTag:
            raise DecryptionError(
                f"stored value at {context} does not authenticate under key {kid!r}: "
                "it was tampered with or copied from another row or tenant"
            ) from None
        return plain.decode()

    def blind_index(self, value: str, *, context: str) -> bytes:
        """HMAC-SHA256 of the normalised value, scoped to `context` (tenant and column)."""
        message = context.encode() + b"\x00" + normalise(value).encode()
        return hmac.new(self.ring.index_key, message, hashlib.sha256).digest()


# --- which columns are encrypted, and how -------------------------------------------------------


def tenant_schema(bind: AsyncEngine | AsyncConnection) -> str:
    """The tenant schema a tenant-bound engine or connection maps its tables to."""
    options = (
        bind.get_execution_options()
        if isinstance(bind, AsyncEngine)
        else bind.sync_connection.get_execution_options()  # type: ignore[union-attr]
    )
    schema = options.get("schema_translate_map", {}).get(TENANT_SCHEMA_PLACEHOLDER)
    if not schema:
        raise RuntimeError("not a tenant-bound engine or connection")
    return str(schema)


@dataclass(frozen=True)
class EncryptedField:
    """One encrypted column (TEXT), keyed by its table's `id`, maybe with a blind index (BYTEA).

    `tenant` in the methods below is what scopes the value to its tenant: the schema name for
    tables in a tenant schema, the value of `tenant_column` (the tenant id) for shared tables.
    """

    table: Table
    column: str
    index_column: str | None = None
    tenant_column: str | None = None  # set for shared-schema tables
    key_column: str = "id"

    @property
    def name(self) -> str:
        return f"{self.table.name}.{self.column}"

    def context(self, tenant: object, row_id: object) -> str:
        return f"{tenant}/{self.name}/{row_id}"

    def index_context(self, tenant: object) -> str:
        return f"{tenant}/{self.name}"

    def seal(
        self, cipher: FieldCipher, value: str | None, *, tenant: object, row_id: object
    ) -> dict[str, Any]:
        """The column values to write: the ciphertext, and the blind index if there is one."""
        out: dict[str, Any] = {
            self.column: None
            if value is None
            else cipher.encrypt(value, context=self.context(tenant, row_id))
        }
        if self.index_column is not None:
            out[self.index_column] = None if value is None else self.digest(cipher, value, tenant)
        return out

    def open(
        self, cipher: FieldCipher, stored: str | None, *, tenant: object, row_id: object
    ) -> str | None:
        if stored is None:
            return None
        return cipher.decrypt(stored, context=self.context(tenant, row_id))

    def digest(self, cipher: FieldCipher, value: str, tenant: object) -> bytes:
        """The blind index to compare with for an exact-match lookup of `value`."""
        return cipher.blind_index(value, context=self.index_context(tenant))

    def open_row(
        self, cipher: FieldCipher, row: Mapping[Any, Any], *, tenant: object
    ) -> dict[str, Any]:
        """A row as a dict with this column decrypted and its index column left out."""
        out: dict[str, Any] = {k: v for k, v in row.items() if k != self.index_column}
        out[self.column] = self.open(
            cipher, row[self.column], tenant=tenant, row_id=row[self.key_column]
        )
        return out


COMPANY_TAX_NUMBER = EncryptedField(companies, "tax_number", index_column="tax_number_index")
USER_FULL_NAME = EncryptedField(users, "full_name", tenant_column="tenant_id")
# Customers' and suppliers' tax ids (TIN): searchable by exact value only, through the index.
CUSTOMER_TAX_ID = EncryptedField(customers, "tax_id", index_column="tax_id_index")
SUPPLIER_TAX_ID = EncryptedField(suppliers, "tax_id", index_column="tax_id_index")
# Webhook endpoints' signing secrets (HMAC) and ed25519 private keys.
WEBHOOK_SECRET = EncryptedField(webhook_endpoints, "secret")
WEBHOOK_PREVIOUS_SECRET = EncryptedField(webhook_endpoints, "previous_secret")
WEBHOOK_SIGNING_KEY = EncryptedField(webhook_endpoints, "signing_key")
# Connectors' credentials (a JSON object of the source's secrets), opened only by a run.
CONNECTOR_CREDENTIALS = EncryptedField(connectors, "credentials")

# Everything `bigledger keys rotate` re-encrypts.
ENCRYPTED_FIELDS: tuple[EncryptedField, ...] = (
    COMPANY_TAX_NUMBER,
    USER_FULL_NAME,
    CUSTOMER_TAX_ID,
    SUPPLIER_TAX_ID,
    WEBHOOK_SECRET,
    WEBHOOK_PREVIOUS_SECRET,
    WEBHOOK_SIGNING_KEY,
    CONNECTOR_CREDENTIALS,
)
