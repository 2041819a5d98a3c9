"""Helpers the inventory tests share: run inventory handlers and the stock seam directly
through a SqlUnitOfWork, and read stock and ledger state behind the API."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.unit_of_work import SqlUnitOfWork
from domain.identity.access import AccessGrants, Permission
from domain.inventory import handlers
from domain.inventory.commands import CreateProduct, CreateWarehouse
from domain.inventory.model import CostMethod, Product, Warehouse
from domain.shared.events import EventMetadata, EventOrigin
from tests.conftest import LiveServer, TenantHandle

T = TypeVar("T")


class Stockroom:
    """One tenant's inventory, driven through the domain handlers (no HTTP)."""

    def __init__(self, live: LiveServer, tenant: TenantHandle, company_id: str) -> None:
        services = live.services
        self.engine: AsyncEngine = services.engines.for_schema(tenant.schema)
        self.cipher = services.cipher
        self.tenant = tenant
        self.schema = tenant.schema
        self.company_id = uuid.UUID(company_id)
        self.grants = AccessGrants(
            user_id=tenant.admin_id, tenant_permissions=(Permission.of("*:*"),), all_companies=True
        )

    def origin(self) -> EventOrigin:
        request = uuid.uuid4().hex
        return EventOrigin(
            tenant_id=self.tenant.id,
            user_id=self.tenant.admin_id,
            correlation_id=request,
            metadata=EventMetadata(source="inventory-test", request_id=request),
        )

    def uow(self, origin: EventOrigin | None = None) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, origin or self.origin(), cipher=self.cipher)

    async def run(self, handler: Any, command: Any) -> Any:
        origin = self.origin()
        return await handler(command, self.uow(origin), origin, self.grants)

    async def within(self, work: Callable[[SqlUnitOfWork, EventOrigin], Awaitable[T]]) -> T:
        """Run `work` inside one open unit of work and commit (as another context would)."""
        origin = self.origin()
        async with self.uow(origin) as uow:
            result = await work(uow, origin)
            await uow.commit()
        return result

    async def product(
        self, sku: str | None = None, method: CostMethod = CostMethod.FIFO, **extra: Any
    ) -> Product:
        product: Product = await self.run(
            handlers.create_product,
            CreateProduct(
                company_id=self.company_id,
                sku=sku or f"SKU-{uuid.uuid4().hex[:8]}",
                name=extra.pop("name", "Widget"),
                cost_method=method,
                **extra,
            ),
        )
        return product

    async def warehouse(self, code: str | None = None) -> Warehouse:
        warehouse: Warehouse = await self.run(
            handlers.create_warehouse,
            CreateWarehouse(
                company_id=self.company_id,
                code=code or f"W{uuid.uuid4().hex[:6]}",
                name="Main store",
            ),
        )
        return warehouse

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(text(sql.format(s=f'"{self.schema}"')), params)).scalar()

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.engine.connect() as conn:
            return list(await conn.execute(text(sql.format(s=f'"{self.schema}"')), params))

    async def level(self, product_id: uuid.UUID, warehouse_id: uuid.UUID) -> dict[str, Any]:
        rows = await self.rows(
            "SELECT on_hand, value, reserved, incoming FROM {s}.stock_levels"
            " WHERE product_id = :p AND warehouse_id = :w",
            p=product_id,
            w=warehouse_id,
        )
        if not rows:
            return {"on_hand": Decimal(0), "value": Decimal(0), "reserved": 0, "incoming": 0}
        return dict(rows[0]._mapping)

    async def account_balance(self, code: str, as_of: date | None = None) -> Decimal:
        """Debits minus credits of the company's account `code` (posted lines)."""
        value = await self.scalar(
            "SELECT COALESCE(SUM(l.base_debit - l.base_credit), 0)"
            " FROM {s}.journal_lines l JOIN {s}.chart_of_accounts a ON a.id = l.account_id"
            " JOIN {s}.transactions t ON t.id = l.transaction_id"
            " WHERE a.company_id = :c AND a.account_code = :code AND t.status <> 'draft'"
            " AND l.transaction_date <= :d",
            c=self.company_id,
            code=code,
            d=as_of or date(9999, 12, 31),
        )
        return Decimal(value)

    async def stock_value(self, as_of: date | None = None) -> Decimal:
        value = await self.scalar(
            "SELECT COALESCE(SUM(value), 0) FROM {s}.stock_daily WHERE company_id = :c"
            " AND day <= :d",
            c=self.company_id,
            d=as_of or date(9999, 12, 31),
        )
        return Decimal(value)
