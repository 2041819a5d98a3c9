"""Run `bigledger <args>` with bench-only instrumentation or what-if patches.

    python -m bench.launch_api [--profile-out api.prof] [--patch nochecks,...] -- serve ...

`--profile-out`: cProfile is switched on by SIGUSR1 and off by SIGUSR2 (stats written to the
file), so only a steady-state load window is profiled, not start-up. It profiles the main thread,
where uvicorn's event loop runs.

`--patch` changes the API *in this process only* (no app file is changed):

* `nochecks` (the baseline of the access-overhead benchmark): no authentication, tenant context,
  permission or rate-limit work per request. `authenticate` installs a fixed principal, tenant
  context and grants — those of BENCH_TENANT_ID / BENCH_USER_ID, read from PostgreSQL once, on
  the first request — without verifying the token or touching Redis; `Requires.has_permission`
  returns True at once; the rate limiter is not called (HTTP or websocket). Everything else
  (GraphQL parsing, validation, query cost limits, the resolver, record-level company scoping)
  is unchanged.

Prototypes of proposed fixes, to measure what they would gain (`jwtcache`, `mget` and
`onetrip`, the per-request authentication path in one Redis round trip, are app code now:
server/authentication.py; those names are still accepted, and do nothing, so older benchmark
configurations keep running):

* `rows`: `companies_page` builds each row dict from the result's keys once per page (`dict(zip
  (keys, row))`, decrypting the tax number in place with the same `COMPANY_TAX_NUMBER.open`)
  instead of `EncryptedField.open_row` copying every `RowMapping` through `.items()`; and
  `Company.from_row` takes the plain-dict path without the ABC `isinstance(row, Mapping)`.
  Same SQL, same values.
* `leaves`: the fast path (`schema/fast_paths/execution.py`) completes leaves inline in
  `_run`, and a `str` for String/ID, an `int` within 32 bits for Int and a `bool` for Boolean
  are used as they are instead of calling graphql-core's `serialize_*` (which would return them
  unchanged).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import signal
import sys
import time
import uuid
from pathlib import Path
from types import FrameType
from typing import Any

PATCHES = ("nochecks", "rows", "leaves")


def _install_authenticate(replacement: Any) -> None:
    """`server.graphql_view` imported `authenticate` by name: replace it in both places."""
    import server.authentication
    import server.graphql_view

    server.authentication.authenticate = replacement
    server.graphql_view.authenticate = replacement


def patch_nochecks() -> None:
    from db.access import load_grants
    from db.rate_limit import ALLOWED
    from db.tenant_context import load_tenant_context
    from domain.identity.model import Principal
    from resolvers.context import RequestContext
    from schema.permissions import Requires
    from server import rate_limit
    from server.logging import tenant_id_var, user_id_var

    tenant_id = uuid.UUID(os.environ["BENCH_TENANT_ID"])
    user_id = uuid.UUID(os.environ["BENCH_USER_ID"])
    fixed: dict[str, Any] = {}
    lock = asyncio.Lock()

    async def load(context: RequestContext) -> None:
        async with lock:
            if fixed:
                return
            engines = context.services.engines
            tenant = await load_tenant_context(engines.root, tenant_id)
            if tenant is None:
                raise RuntimeError(f"nochecks: no tenant {tenant_id}")
            grants = await load_grants(engines.for_schema(tenant.schema_name), user_id)
            if grants is None:
                raise RuntimeError(f"nochecks: user {user_id} is not active")
            fixed["tenant"] = tenant
            fixed["principal"] = Principal(user_id, tenant.id, tenant.schema_name, grants)
            fixed["ids"] = (str(tenant.id), str(user_id))

    async def authenticate(context: RequestContext, token: str) -> None:
        if not fixed:
            await load(context)
        context.authenticate(fixed["principal"], fixed["tenant"])
        tenant_id_var.set(fixed["ids"][0])
        user_id_var.set(fixed["ids"][1])

    _install_authenticate(authenticate)

    def has_permission(self: Requires, source: Any, info: Any, **kwargs: Any) -> bool:
        return True

    Requires.has_permission = has_permission  # type: ignore[method-assign]

    async def enforce(context: Any) -> None:
        return None

    async def check(context: Any) -> Any:
        return ALLOWED

    rate_limit.enforce = enforce
    rate_limit.check = check


def patch_rows() -> None:
    from sqlalchemy import false, select, tuple_
    from sqlalchemy.ext.asyncio import AsyncEngine

    import db.readmodels.companies as readmodel
    import resolvers.company.queries as queries
    from db.crypto import COMPANY_TAX_NUMBER, FieldCipher, normalise, tenant_schema
    from db.tables.tenant import companies
    from schema.company.types import Company

    columns = readmodel._COLUMNS
    tax_at = [c.name for c in columns].index(COMPANY_TAX_NUMBER.column)
    id_at = [c.name for c in columns].index(COMPANY_TAX_NUMBER.key_column)
    open_value = COMPANY_TAX_NUMBER.open

    async def companies_page(
        engine: AsyncEngine,
        *,
        first: int,
        after: tuple[Any, uuid.UUID] | None,
        visible: Any = None,
        cipher: FieldCipher,
        tax_number: str | None = None,
    ) -> list[dict[str, Any]]:
        tenant = tenant_schema(engine)
        query = select(*columns).order_by(companies.c.created_at, companies.c.id).limit(first + 1)
        if visible is not None:
            query = query.where(companies.c.id.in_(list(visible)))
        if after is not None:
            query = query.where(tuple_(companies.c.created_at, companies.c.id) > tuple_(*after))
        if tax_number is not None:
            query = query.where(
                companies.c.tax_number_index
                == COMPANY_TAX_NUMBER.digest(cipher, tax_number, tenant)
                if normalise(tax_number)
                else false()
            )
        async with engine.connect() as conn:
            result = await conn.execute(query)
            keys = list(result.keys())
            out = []
            for row in result:
                values = list(row)
                if values[tax_at] is not None:
                    values[tax_at] = open_value(
                        cipher, values[tax_at], tenant=tenant, row_id=values[id_at]
                    )
                out.append(dict(zip(keys, values, strict=True)))
            return out

    readmodel.companies_page = companies_page
    queries.companies_page = companies_page
    original = Company.from_row.__func__  # type: ignore[attr-defined]

    def from_row(cls: type[Company], row: Any) -> Company:
        if type(row) is not dict:
            return original(cls, row)
        return cls(
            id=str(row["id"]),  # type: ignore[arg-type]
            name=row["name"],
            registration_number=row["registration_number"],
            tax_number=row["tax_number"],
            currency_code=row["currency_code"],
            timezone=row["timezone"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            created_by=str(row["created_by"]),  # type: ignore[arg-type]
            updated_by=str(row["updated_by"]),  # type: ignore[arg-type]
            version=row["version"],
        )

    Company.from_row = classmethod(from_row)  # type: ignore[assignment,method-assign]


def patch_leaves() -> None:
    from graphql import Undefined
    from graphql.type.scalars import (
        serialize_boolean,
        serialize_id,
        serialize_int,
        serialize_string,
    )

    from schema.fast_paths.execution import _LEAF, _OBJECT, FastLeafExecutionContext, _Fallback

    as_is = {serialize_string: str, serialize_id: str, serialize_boolean: bool}
    low, high = -(2**31), 2**31 - 1

    def _run(self: FastLeafExecutionContext, plan: Any, source: Any) -> dict[str, Any]:
        results: dict[str, Any] = {}
        for response_name, attribute, resolve, non_null, completer in plan:
            value = resolve(source, attribute)
            if value is None or value is Undefined:
                if non_null:
                    raise _Fallback
                results[response_name] = None
                continue
            kind, payload = completer
            if kind == _LEAF:
                if type(value) is as_is.get(payload) or (
                    payload is serialize_int and type(value) is int and low <= value <= high
                ):
                    results[response_name] = value
                    continue
                serialized = payload(value)
                if serialized is None or serialized is Undefined:
                    raise _Fallback
                results[response_name] = serialized
            elif kind == _OBJECT:
                results[response_name] = self._run(payload, value)
            else:
                results[response_name] = self._complete(completer, value)
        return results

    FastLeafExecutionContext._run = _run  # type: ignore[method-assign]


def apply_patches(names: list[str]) -> None:
    for name in PATCHES:  # a fixed order: nochecks replaces authenticate first
        if name in names:
            globals()[f"patch_{name}"]()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile-out", type=Path)
    parser.add_argument("--patch", default="", help=f"comma-separated: {', '.join(PATCHES)}")
    args, rest = parser.parse_known_args()
    if rest and rest[0] == "--":
        rest = rest[1:]
    patches = [p for p in args.patch.split(",") if p]
    unknown = set(patches) - set(PATCHES)
    if unknown:
        parser.error(f"unknown patch(es): {', '.join(sorted(unknown))}")
    apply_patches(patches)
    if args.profile_out is not None:
        # The main thread's CPU clock: time the event loop spends waiting (in uvloop's C code,
        # outside any Python frame) is not charged to whatever coroutine ran last.
        profiler = cProfile.Profile(time.thread_time)
        out: Path = args.profile_out

        def start(signum: int, frame: FrameType | None) -> None:
            profiler.enable()

        def stop(signum: int, frame: FrameType | None) -> None:
            profiler.disable()
            profiler.dump_stats(out)

        signal.signal(signal.SIGUSR1, start)
        signal.signal(signal.SIGUSR2, stop)
    from server.cli import main as cli_main

    return cli_main(rest)


if __name__ == "__main__":
    sys.exit(main())
