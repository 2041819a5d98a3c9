"""Webhook endpoints for the command side. Secrets are sealed on write, opened on read
(db/crypto.py): the domain sees them in clear, the table never does."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from db.crypto import (
    WEBHOOK_PREVIOUS_SECRET,
    WEBHOOK_SECRET,
    WEBHOOK_SIGNING_KEY,
    FieldCipher,
    tenant_schema,
)
from db.tables.tenant import companies
from db.tables.webhooks import webhook_endpoints, webhook_messages
from domain.shared.errors import Conflict
from domain.webhooks.model import WebhookEndpoint

_PLAIN = (
    "id",
    "company_id",
    "url",
    "description",
    "event_types",
    "enabled",
    "previous_secret_expires_at",
    "created_by",
    "created_at",
    "updated_at",
    "version",
    "disabled_at",
    "disabled_reason",
)
_SEALED = ((WEBHOOK_SECRET, "secret"), (WEBHOOK_PREVIOUS_SECRET, "previous_secret"),
           (WEBHOOK_SIGNING_KEY, "signing_key"))  # fmt: skip


class SqlWebhookEndpointRepository:
    def __init__(self, conn: AsyncConnection, cipher: FieldCipher | None) -> None:
        self._conn = conn
        self._given_cipher = cipher

    @property
    def _cipher(self) -> FieldCipher:
        if self._given_cipher is None:  # fail closed: never write a secret in plaintext
            raise RuntimeError("this unit of work has no FieldCipher; pass `cipher=`")
        return self._given_cipher

    def _values(self, endpoint: WebhookEndpoint) -> dict[str, Any]:
        values: dict[str, Any] = {f: getattr(endpoint, f) for f in _PLAIN}
        values["event_types"] = list(endpoint.event_types)
        tenant = tenant_schema(self._conn)
        for field, attribute in _SEALED:
            values |= field.seal(
                self._cipher, getattr(endpoint, attribute), tenant=tenant, row_id=endpoint.id
            )
        return values

    async def add(self, endpoint: WebhookEndpoint) -> None:
        await self._conn.execute(insert(webhook_endpoints).values(self._values(endpoint)))

    async def get_for_update(self, endpoint_id: uuid.UUID) -> WebhookEndpoint | None:
        row = (
            await self._conn.execute(
                select(webhook_endpoints)
                .where(webhook_endpoints.c.id == endpoint_id)
                .with_for_update()
            )
        ).first()
        if row is None:
            return None
        return endpoint_from_row(row._mapping, self._cipher, tenant_schema(self._conn))

    async def save(self, endpoint: WebhookEndpoint, *, previous_version: int) -> None:
        values = self._values(endpoint)
        if endpoint.sender_reset:  # a new URL, or enabled again by hand: start afresh
            values |= {"consecutive_failures": 0, "breaker_open_until": None,
                       "breaker_opened_times": 0, "failing_since": None}  # fmt: skip
        result = await self._conn.execute(
            update(webhook_endpoints)
            .where(webhook_endpoints.c.id == endpoint.id)
            .where(webhook_endpoints.c.version == previous_version)
            .values(values)
        )
        if result.rowcount != 1:
            raise Conflict("The endpoint changed meanwhile; read it again.")

    async def delete(self, endpoint_id: uuid.UUID) -> None:
        await self._conn.execute(
            delete(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id)
        )

    async def company_exists(self, company_id: uuid.UUID) -> bool:
        query = select(exists().where(companies.c.id == company_id))
        return bool((await self._conn.execute(query)).scalar())

    async def retry_message(self, message_id: uuid.UUID) -> uuid.UUID | None:
        result = await self._conn.execute(
            update(webhook_messages)
            .where(webhook_messages.c.id == message_id)
            .values(
                status="pending",
                next_attempt_at=func.now(),
                leased_until=None,
                max_attempts=webhook_messages.c.attempts + 1,
            )
            .returning(webhook_messages.c.endpoint_id)
        )
        return result.scalar_one_or_none()


def endpoint_from_row(row: Any, cipher: FieldCipher, tenant: str) -> WebhookEndpoint:
    sealed = {
        attribute: field.open(cipher, row[attribute], tenant=tenant, row_id=row["id"])
        for field, attribute in _SEALED
    }
    return WebhookEndpoint(
        **{f: row[f] for f in _PLAIN if f != "event_types"},
        event_types=tuple(row["event_types"]),
        secret=sealed["secret"] or "",
        previous_secret=sealed["previous_secret"],
        signing_key=sealed["signing_key"],
    )
