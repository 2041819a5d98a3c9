"""The raw baseline for `companies(first, after)`: bare Starlette + asyncpg + orjson.

One route, an asyncpg pool, the same SELECT (same columns, same keyset ORDER BY/LIMIT, in the
tenant's schema) as `db.readmodels.companies.companies_page`, and the same JSON the API returns:
`{"data":{"companies":{"edges":[{"cursor":..., "node":{...}}], "pageInfo":{...}}}}`.
No GraphQL, no auth, no ORM. Served by uvicorn exactly like `bigledger serve` serves the API
(one process, same uvicorn options, so the same uvloop + httptools choice).

`companies.tax_number` is stored encrypted (AES-256-GCM, `db/crypto.py`); like the API, this
endpoint opens it with the app's `COMPANY_TAX_NUMBER` field and a `FieldCipher` on the same key
ring file (`--key-file`, the API's data dir `encryption-keys.json`), so both do the same
decryption work per row.

    python -m bench.bare_app --port 8001 --database-url postgresql://... --schema tenant_x \
        --key-file DATA_DIR/encryption-keys.json
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import re
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from db.crypto import COMPANY_TAX_NUMBER, FieldCipher

COLUMNS = ("id", "name", "registration_number", "tax_number", "currency_code", "timezone",
           "created_at", "updated_at", "created_by", "updated_by", "version")  # fmt: skip


def statements(schema: str) -> tuple[str, str]:
    """The SQL SQLAlchemy renders for companies_page (schema-qualified via schema_translate_map)."""
    if not re.fullmatch(r"tenant_[a-z][a-z0-9_]{1,39}", schema):
        raise ValueError(f"not a tenant schema: {schema!r}")
    table = f"{schema}.companies"
    select = ", ".join(f"{table}.{c}" for c in COLUMNS)
    order = f"ORDER BY {table}.created_at, {table}.id"
    first = f"SELECT {select} \nFROM {table} {order} \n LIMIT $1::INTEGER"
    after = (
        f"SELECT {select} \nFROM {table} \nWHERE ({table}.created_at, {table}.id) > ($1, $2) "
        f"{order} \n LIMIT $3::INTEGER"
    )
    return first, after


def cursor(created_at: datetime, row_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{row_id}".encode()).decode()


def decode_cursor(value: str) -> tuple[datetime, uuid.UUID]:
    stamp, _, row_id = base64.urlsafe_b64decode(value.encode()).decode().partition("|")
    return datetime.fromisoformat(stamp), uuid.UUID(row_id)


def node(r: asyncpg.Record, cipher: FieldCipher, schema: str) -> dict[str, object]:
    tax_number = COMPANY_TAX_NUMBER.open(cipher, r["tax_number"], tenant=schema, row_id=r["id"])
    return {
        "id": str(r["id"]),
        "name": r["name"],
        "registrationNumber": r["registration_number"],
        "taxNumber": tax_number,
        "currencyCode": r["currency_code"],
        "timezone": r["timezone"],
        "createdAt": r["created_at"].isoformat(),
        "updatedAt": r["updated_at"].isoformat(),
        "createdBy": str(r["created_by"]),
        "updatedBy": str(r["updated_by"]),
        "version": r["version"],
    }


def create_app(
    database_url: str, schema: str, cipher: FieldCipher, pool_max: int = 30
) -> Starlette:
    sql_first, sql_after = statements(schema)
    state: dict[str, asyncpg.Pool] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # The API's engine: pool_size 10 + max_overflow 20 connections at most.
        state["pool"] = await asyncpg.create_pool(database_url, min_size=10, max_size=pool_max)
        try:
            yield
        finally:
            await state["pool"].close()

    async def graphql(request: Request) -> Response:
        variables = orjson.loads(await request.body()).get("variables") or {}
        first = int(variables.get("first") or 20)
        after = variables.get("after")
        pool = state["pool"]
        if after:
            created_at, row_id = decode_cursor(after)
            rows = await pool.fetch(sql_after, created_at, row_id, first + 1)
        else:
            rows = await pool.fetch(sql_first, first + 1)
        page = rows[:first]
        edges = [
            {"cursor": cursor(r["created_at"], r["id"]), "node": node(r, cipher, schema)}
            for r in page
        ]
        body = {
            "data": {
                "companies": {
                    "edges": edges,
                    "pageInfo": {
                        "hasNextPage": len(rows) > first,
                        "hasPreviousPage": after is not None,
                        "startCursor": edges[0]["cursor"] if edges else None,
                        "endCursor": edges[-1]["cursor"] if edges else None,
                    },
                }
            }
        }
        return Response(orjson.dumps(body), media_type="application/json")

    return Starlette(routes=[Route("/graphql", graphql, methods=["POST"])], lifespan=lifespan)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="bare Starlette + asyncpg companies baseline")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--schema", required=True)
    parser.add_argument("--key-file", required=True, type=Path, help="the API's key ring file")
    args = parser.parse_args()
    if not args.key_file.exists():
        parser.error(f"no key ring at {args.key_file}")
    cipher = FieldCipher.load(None, args.key_file)
    # The same call and options as server/cli.py `_serve`.
    uvicorn.run(
        create_app(args.database_url, args.schema, cipher),
        host=args.host,
        port=args.port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
