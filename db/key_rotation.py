"""Key rotation: a new active key, then every encrypted column re-encrypted under it, in batches.

Each batch is one transaction over at most `batch_size` rows, taken in key order (keyset
pagination) with `FOR UPDATE`, so a concurrent command on the same row waits for the batch rather
than being overwritten. Only values not yet under the active key are touched — plaintext rows
from before encryption existed included (they get their blind index too) — so an interrupted run
just runs again, and a finished one is a no-op. Old keys stay in the ring: every value is readable
at every moment. A key can be retired once `bigledger keys status` shows nothing under it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, case, func, not_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.crypto import (
    ENCRYPTED_FIELDS,
    PREFIX,
    DecryptionError,
    EncryptedField,
    FieldCipher,
    rotate_key_file,
)
from db.engine import TenantEngines
from db.tables.shared import tenants

BATCH_SIZE = 500

# (what, done, total): e.g. ("tenant_acme companies.tax_number", 500, 1234)
Progress = Callable[[str, int, int], None]


@dataclass
class ReencryptReport:
    active: str
    rewritten: int = 0
    # Where a value could not be opened (tampered with, copied, or its key is gone); left as is.
    failures: list[str] = field(default_factory=list)


async def _tenant_schemas(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        query = select(tenants.c.schema_name).order_by(tenants.c.schema_name)
        return list((await conn.execute(query)).scalars())


def _scopes(
    engine: AsyncEngine, schemas: Sequence[str], fields: Sequence[EncryptedField]
) -> list[tuple[EncryptedField, AsyncEngine, str | None]]:
    """(field, engine bound to where it lives, tenant schema or None for shared tables)."""
    bound = TenantEngines(engine, max_cached=1)
    scopes: list[tuple[EncryptedField, AsyncEngine, str | None]] = []
    for f in fields:
        if f.tenant_column is not None:
            scopes.append((f, engine, None))
        else:
            scopes.extend((f, bound.for_schema(s), s) for s in schemas)
    return scopes


def _stale(f: EncryptedField, active: str) -> ColumnElement[bool]:
    column = f.table.c[f.column]
    return and_(column.is_not(None), not_(column.startswith(f"{PREFIX}{active}:", autoescape=True)))


async def _count(conn: AsyncConnection, f: EncryptedField, active: str) -> int:
    query = select(func.count()).select_from(f.table).where(_stale(f, active))
    return int((await conn.execute(query)).scalar_one())


async def _reencrypt_scope(
    bind: AsyncEngine,
    f: EncryptedField,
    schema: str | None,
    cipher: FieldCipher,
    report: ReencryptReport,
    batch_size: int,
    progress: Progress | None,
) -> None:
    table, key = f.table, f.table.c[f.key_column]
    columns = [key, table.c[f.column]]
    if f.tenant_column is not None:
        columns.append(table.c[f.tenant_column])
    async with bind.connect() as conn:
        total = await _count(conn, f, report.active)
    if total == 0:
        return
    label = f"{schema or table.schema} {f.name}"
    values: dict[str, Any] = {f.column: bindparam("b_value")}
    if f.index_column is not None:
        values[f.index_column] = bindparam("b_index")
    rewrite = update(table).where(key == bindparam("b_key")).values(values)
    done, last = 0, None
    while True:
        query = (
            select(*columns)
            .where(_stale(f, report.active))
            .order_by(key)
            .limit(batch_size)
            .with_for_update()
        )
        if last is not None:
            query = query.where(key > last)
        async with bind.begin() as conn:
            rows = (await conn.execute(query)).all()
            if not rows:
                break
            batch: list[dict[str, Any]] = []
            for row in rows:
                row_key, stored = row[0], row[1]
                tenant = schema if f.tenant_column is None else row[2]
                try:
                    plain = f.open(cipher, stored, tenant=tenant, row_id=row_key)
                except DecryptionError as exc:
                    report.failures.append(str(exc))
                    continue
                sealed = f.seal(cipher, plain, tenant=tenant, row_id=row_key)
                params = {"b_key": row_key, "b_value": sealed[f.column]}
                if f.index_column is not None:
                    params["b_index"] = sealed[f.index_column]
                batch.append(params)
            if batch:
                await conn.execute(rewrite, batch)
        last = rows[-1][0]
        done += len(rows)
        report.rewritten += len(batch)
        if progress is not None:
            progress(label, done, max(done, total))


async def reencrypt_all(
    engine: AsyncEngine,
    cipher: FieldCipher,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
    fields: Sequence[EncryptedField] = ENCRYPTED_FIELDS,
) -> ReencryptReport:
    """Bring every encrypted column of every tenant under the cipher's active key."""
    report = ReencryptReport(active=cipher.active_kid)
    schemas = await _tenant_schemas(engine)
    for f, bind, schema in _scopes(engine, schemas, fields):
        await _reencrypt_scope(bind, f, schema, cipher, report, batch_size, progress)
    return report


async def rotate_and_reencrypt(
    engine: AsyncEngine,
    path: Path,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> ReencryptReport:
    """`bigledger keys rotate` with a file-kept ring: add a key, make it active, re-encrypt.

    (With keys from the environment there is no file to change: the CLI prints the new ring
    instead, and `keys reencrypt` runs once every process has it.)
    """
    ring = rotate_key_file(path)
    cipher = FieldCipher(ring, source=path)
    return await reencrypt_all(engine, cipher, batch_size=batch_size, progress=progress)


async def encryption_status(
    engine: AsyncEngine, fields: Sequence[EncryptedField] = ENCRYPTED_FIELDS
) -> dict[str, dict[str, int]]:
    """Per column, how many values each key id holds ("plaintext": not encrypted yet)."""
    schemas = await _tenant_schemas(engine)
    status: dict[str, dict[str, int]] = {f.name: {} for f in fields}
    for f, bind, _schema in _scopes(engine, schemas, fields):
        column = f.table.c[f.column]
        kid = case(
            (column.startswith(PREFIX, autoescape=True), func.split_part(column, ":", 3)),
            else_="plaintext",
        )
        query = select(kid, func.count()).where(column.is_not(None)).group_by(kid)
        async with bind.connect() as conn:
            for name, count in (await conn.execute(query)).all():
                status[f.name][name] = status[f.name].get(name, 0) + int(count)
    return status
