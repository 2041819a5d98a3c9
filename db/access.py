"""Roles and access in the tenant's schema; effective grants per user, cached in Redis.

The cache is versioned per tenant: any change to roles or access bumps the tenant's version,
and every cached grant of an older version is ignored. One Redis round trip per request.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import cast, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, insert
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.crypto import USER_FULL_NAME, FieldCipher
from db.tables.shared import users
from db.tables.tenant import company_access, roles, user_roles
from domain.identity.access import AccessGrants, CompanyAccess, Permission, Role, RoleGraph
from domain.identity.builtin_roles import BUILTIN_ROLES, OWNER
from domain.identity.delegation import Held

CACHE_TTL_SECONDS = 3600


def role_from_row(row: Any) -> Role:
    return Role(
        id=row["id"],
        name=row["name"],
        description=row["description"],
        permissions=tuple(Permission.from_json(p) for p in row["permissions"]),
        inherits=tuple(row["inherits"] or ()),
        builtin=row["builtin"],
        all_companies=row["all_companies"],
        version=row["version"],
    )


def role_values(role: Role) -> dict[str, Any]:
    return {
        "id": role.id,
        "name": role.name,
        "description": role.description,
        "permissions": [p.to_json() for p in role.permissions],
        "inherits": list(role.inherits),
        "builtin": role.builtin,
        "all_companies": role.all_companies,
        "version": role.version,
    }


async def sync_builtin_roles(conn: AsyncConnection) -> None:
    """Built-in roles are defined in code; make the tenant's copies match it."""
    stmt = insert(roles).values([role_values(r) for r in BUILTIN_ROLES])
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[roles.c.id],
            set_={c: stmt.excluded[c] for c in
                  ("name", "description", "permissions", "inherits", "all_companies")},
        )
    )  # fmt: skip


async def ensure_owner(conn: AsyncConnection, tenant_id: uuid.UUID) -> None:
    """A tenant always has an owner: if nobody holds the role, its first active user gets it
    (this also upgrades tenants created before roles existed)."""
    has_owner = (
        await conn.execute(select(func.count()).where(user_roles.c.role_id == OWNER.id))
    ).scalar_one()
    if has_owner:
        return
    first = (
        await conn.execute(
            select(users.c.id)
            .where(users.c.tenant_id == tenant_id, users.c.is_active)
            .order_by(users.c.created_at)
            .limit(1)
        )
    ).scalar_one_or_none()
    if first is not None:
        await conn.execute(insert(user_roles).values(user_id=first, role_id=OWNER.id))


async def prepare_tenant_access(conn: AsyncConnection, schema: str, tenant_id: uuid.UUID) -> None:
    """After migrating a tenant schema: built-in roles current, an owner present."""
    await conn.execution_options(schema_translate_map={"tenant": schema})
    await sync_builtin_roles(conn)
    await ensure_owner(conn, tenant_id)


async def load_grants(engine: AsyncEngine, user_id: uuid.UUID) -> AccessGrants | None:
    """None when the user is deactivated (or gone): they hold nothing."""
    async with engine.connect() as conn:
        active = (
            await conn.execute(select(users.c.is_active).where(users.c.id == user_id))
        ).scalar_one_or_none()
        if not active:
            return None
        all_roles = (await conn.execute(select(roles))).mappings().all()
        role_ids = (
            (
                await conn.execute(
                    select(user_roles.c.role_id).where(user_roles.c.user_id == user_id)
                )
            )
            .scalars()
            .all()
        )
        access = (
            (await conn.execute(select(company_access).where(company_access.c.user_id == user_id)))
            .mappings()
            .all()
        )
    graph = RoleGraph(role_from_row(r) for r in all_roles)
    return AccessGrants.resolve(
        user_id,
        graph,
        role_ids,
        [_company_access(a) for a in access],
    )


def _company_access(row: Any) -> CompanyAccess:
    return CompanyAccess(
        row["company_id"],
        tuple(row["role_ids"] or ()),
        tuple(Permission.from_json(p) for p in row["permissions"]),
    )


def _company_access_json(entry: Any) -> CompanyAccess:
    """A company entry aggregated as JSON (its ids arrive as text)."""
    return CompanyAccess(
        uuid.UUID(entry["company_id"]),
        tuple(uuid.UUID(r) for r in entry["role_ids"] or ()),
        tuple(Permission.from_json(p) for p in entry["permissions"]),
    )


def access_version_key(tenant_id: uuid.UUID | str) -> str:
    """Bumped after every access change of the tenant: cached grants of an older version are
    stale (db/access.py after a command; the outbox relay before publishing the change)."""
    return f"access-version:{tenant_id}"


DECODED_CACHE_SIZE = 4096  # decoded grants kept per process


class AccessDirectory:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        # raw cached entry -> (its version, the grants; None: deactivated). Grants are frozen
        # and an entry's bytes carry its version, so an unchanged entry is decoded once.
        self._decoded: dict[bytes | str, tuple[int, AccessGrants | None]] = {}

    @staticmethod
    def cache_keys(tenant_id: uuid.UUID, user_id: uuid.UUID) -> tuple[str, str]:
        """What `grants` reads in one MGET: the tenant's access version and the user's entry."""
        return access_version_key(tenant_id), f"access:{tenant_id}:{user_id}"

    async def grants(
        self, engine: AsyncEngine, tenant_id: uuid.UUID, user_id: uuid.UUID
    ) -> AccessGrants | None:
        try:
            raw_version, cached = await self._redis.mget(*self.cache_keys(tenant_id, user_id))
        except RedisError:
            return await load_grants(engine, user_id)  # the cache is an optimisation only
        return await self.from_cache_reply(engine, tenant_id, user_id, raw_version, cached)

    async def from_cache_reply(
        self,
        engine: AsyncEngine,
        tenant_id: uuid.UUID,
        user_id: uuid.UUID,
        raw_version: bytes | str | None,
        cached: bytes | str | None,
    ) -> AccessGrants | None:
        """The grants from the values of `cache_keys` (read by `grants` or by a caller's own
        pipeline); a missing or stale entry is reloaded and cached again."""
        version = int(raw_version or 0)
        if cached:
            entry_version, grants = self._decode(cached)
            if entry_version == version:
                return grants
        grants = await load_grants(engine, user_id)
        with contextlib.suppress(RedisError):
            await self._redis.set(
                self.cache_keys(tenant_id, user_id)[1],
                orjson.dumps({"v": version, "g": grants and grants.to_json()}),
                ex=CACHE_TTL_SECONDS,
            )
        return grants

    def _decode(self, cached: bytes | str) -> tuple[int, AccessGrants | None]:
        hit = self._decoded.get(cached)
        if hit is None:
            entry = orjson.loads(cached)
            hit = (entry["v"], AccessGrants.from_json(entry["g"]) if entry["g"] else None)
            if len(self._decoded) >= DECODED_CACHE_SIZE:
                del self._decoded[next(iter(self._decoded))]
            self._decoded[cached] = hit
        return hit

    async def invalidate(self, tenant_id: uuid.UUID) -> None:
        """Call after committing any change to roles, assignments or company access."""
        await self._redis.incr(access_version_key(tenant_id))


class SqlAccessRepository:
    """Roles and assignments inside a command's transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def graph(self) -> RoleGraph:
        rows = (await self._conn.execute(select(roles))).mappings().all()
        return RoleGraph(role_from_row(r) for r in rows)

    async def lock_access_rules(self, *, to_reshape: bool) -> None:
        """Until commit: reshaping a role (exclusive) and granting (shared) exclude each other,
        so an edit judged against the role's current holders never interleaves with a grant
        judged against the role's old shape. The owner role's row stands for the tenant's
        access rules: every tenant has it, and it lives in the tenant's own schema."""
        query = select(roles.c.id).where(roles.c.id == OWNER.id)
        await self._conn.execute(query.with_for_update(read=not to_reshape))

    async def role_for_update(self, role_id: uuid.UUID) -> Role | None:
        row = (
            (await self._conn.execute(select(roles).where(roles.c.id == role_id).with_for_update()))
            .mappings()
            .first()
        )
        return role_from_row(row) if row else None

    async def name_taken(self, name: str, except_id: uuid.UUID | None = None) -> bool:
        query = select(roles.c.id).where(func.lower(roles.c.name) == name.lower())
        if except_id is not None:
            query = query.where(roles.c.id != except_id)
        return (await self._conn.execute(query)).first() is not None

    async def add_role(self, role: Role) -> None:
        await self._conn.execute(insert(roles).values(role_values(role)))

    async def save_role(self, role: Role) -> None:
        values = role_values(role)
        del values["id"]
        await self._conn.execute(
            roles.update().where(roles.c.id == role.id).values(**values, updated_at=func.now())
        )

    async def user_role_ids(self, user_id: uuid.UUID) -> list[uuid.UUID]:
        rows = await self._conn.execute(
            select(user_roles.c.role_id).where(user_roles.c.user_id == user_id)
        )
        return list(rows.scalars())

    async def user_company_access(self, user_id: uuid.UUID) -> list[CompanyAccess]:
        rows = await self._conn.execute(
            select(company_access).where(company_access.c.user_id == user_id)
        )
        return [_company_access(a) for a in rows.mappings()]

    async def holders(self, role_ids: Sequence[uuid.UUID]) -> list[tuple[uuid.UUID, Held]]:
        """Active users holding any of `role_ids` (tenant-wide or in a company entry), each
        with everything they hold: one statement, whatever their number."""
        wanted = list(role_ids)
        holding = (
            select(user_roles.c.user_id)
            .where(user_roles.c.role_id.in_(wanted))
            .union(
                select(company_access.c.user_id).where(
                    company_access.c.role_ids.overlap(cast(wanted, ARRAY(PG_UUID(as_uuid=True))))
                )
            )
        )
        their_roles = (
            select(func.coalesce(func.array_agg(user_roles.c.role_id), literal([], ARRAY(PG_UUID))))
            .where(user_roles.c.user_id == users.c.id)
            .scalar_subquery()
        )
        entry = func.jsonb_build_object(
            "company_id", company_access.c.company_id,
            "role_ids", company_access.c.role_ids,
            "permissions", company_access.c.permissions,
        )  # fmt: skip
        their_access = (
            select(func.coalesce(func.jsonb_agg(entry), literal([], JSONB)))
            .where(company_access.c.user_id == users.c.id)
            .scalar_subquery()
        )
        query = select(users.c.id, their_roles, their_access).where(
            users.c.id.in_(holding), users.c.is_active
        )
        rows = await self._conn.execute(query)
        return [
            (user_id, Held(tuple(role_ids), tuple(_company_access_json(a) for a in access)))
            for user_id, role_ids, access in rows
        ]

    async def assign(self, user_id: uuid.UUID, role_id: uuid.UUID, by: uuid.UUID) -> None:
        stmt = insert(user_roles).values(user_id=user_id, role_id=role_id, granted_by=by)
        await self._conn.execute(stmt.on_conflict_do_nothing())

    async def unassign(self, user_id: uuid.UUID, role_id: uuid.UUID) -> None:
        await self._conn.execute(
            user_roles.delete().where(
                user_roles.c.user_id == user_id, user_roles.c.role_id == role_id
            )
        )

    async def set_company_access(
        self,
        user_id: uuid.UUID,
        company_id: uuid.UUID,
        role_ids: Sequence[uuid.UUID],
        permissions: Sequence[Permission],
        by: uuid.UUID,
    ) -> None:
        values = {
            "user_id": user_id,
            "company_id": company_id,
            "role_ids": list(role_ids),
            "permissions": [p.to_json() for p in permissions],
            "granted_by": by,
        }
        stmt = insert(company_access).values(values)
        await self._conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[company_access.c.user_id, company_access.c.company_id],
                set_={k: stmt.excluded[k] for k in ("role_ids", "permissions", "granted_by")},
            )
        )

    async def revoke_company_access(self, user_id: uuid.UUID, company_id: uuid.UUID) -> None:
        await self._conn.execute(
            company_access.delete().where(
                company_access.c.user_id == user_id, company_access.c.company_id == company_id
            )
        )


# --- read models for the access screens ---------------------------------------------------


async def roles_of_tenant(engine: AsyncEngine) -> list[Role]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(roles))).mappings().all()
    return [role_from_row(r) for r in rows]


async def tenant_accounts(
    engine: AsyncEngine, tenant_id: uuid.UUID, cipher: FieldCipher
) -> list[dict[str, Any]]:
    """Users of the tenant with their tenant-wide role ids, in one statement."""
    role_ids = (
        select(func.coalesce(func.array_agg(user_roles.c.role_id), literal([], ARRAY(PG_UUID))))
        .where(user_roles.c.user_id == users.c.id)
        .scalar_subquery()
    )
    query = (
        select(
            users.c.id,
            users.c.email,
            users.c.full_name,
            users.c.is_active,
            (users.c.invitation_hash.is_not(None)).label("invitation_pending"),
            role_ids.label("role_ids"),
        )
        .where(users.c.tenant_id == tenant_id)
        .order_by(users.c.email)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).mappings().all()
    return [USER_FULL_NAME.open_row(cipher, r, tenant=tenant_id) for r in rows]


async def company_access_of(
    engine: AsyncEngine, user_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[CompanyAccess]]:
    query = select(company_access).where(company_access.c.user_id.in_(list(user_ids)))
    out: dict[uuid.UUID, list[CompanyAccess]] = {}
    async with engine.connect() as conn:
        for a in (await conn.execute(query)).mappings():
            out.setdefault(a["user_id"], []).append(_company_access(a))
    return out


async def roles_by_id(engine: AsyncEngine, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Role]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(roles).where(roles.c.id.in_(list(ids))))).mappings()
        return {r["id"]: role_from_row(r) for r in rows}
