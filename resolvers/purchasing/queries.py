"""Purchasing queries: lists are Relay connections (keyset pages, `first` at most 100); nested
relations come through the request's dataloaders, so a page's SQL statement count does not
grow with its size."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import strawberry

from db.readmodels import purchasing as reads
from domain.party.statements import statement
from domain.shared.aging import AgingBucket, bucket
from resolvers.company.scope import enterable_company
from resolvers.errors import bad_input
from resolvers.ids import argument_id
from schema.cursors import CREATED_AT, NAME
from schema.permissions import guarded
from schema.purchasing.types import (
    AgingBuckets,
    ApAging,
    Bill,
    BillConnection,
    BillEdge,
    BillFilter,
    BillStatus,
    GoodsReceipt,
    GoodsReceiptConnection,
    GoodsReceiptEdge,
    PurchaseOrder,
    PurchaseOrderConnection,
    PurchaseOrderEdge,
    PurchaseOrderFilter,
    StatementLine,
    Supplier,
    SupplierAging,
    SupplierConnection,
    SupplierEdge,
    SupplierPayment,
    SupplierPaymentConnection,
    SupplierPaymentEdge,
    SupplierPaymentFilter,
    SupplierStatement,
    business_today,
    money,
)
from schema.relay import page_info, page_size

ZERO = Decimal(0)
N = TypeVar("N")
E = TypeVar("E")


def _visible(info: strawberry.Info, row: dict[str, Any] | None) -> bool:
    return row is not None and info.context.grants.can_enter(row["company_id"])


def _edges(
    rows: list[dict[str, Any]], size: int, edge: Callable[..., E], node: Callable[[Any], N]
) -> list[E]:
    return [
        edge(cursor=CREATED_AT.encode(r["created_at"], r["id"]), node=node(r)) for r in rows[:size]
    ]


def _buckets(amounts: dict[AgingBucket, Decimal]) -> AgingBuckets:
    return AgingBuckets(
        current=money(amounts.get(AgingBucket.CURRENT, ZERO)),
        days_1_to_30=money(amounts.get(AgingBucket.DAYS_1_30, ZERO)),
        days_31_to_60=money(amounts.get(AgingBucket.DAYS_31_60, ZERO)),
        days_61_to_90=money(amounts.get(AgingBucket.DAYS_61_90, ZERO)),
        over_90=money(amounts.get(AgingBucket.OVER_90, ZERO)),
        total=money(sum(amounts.values(), ZERO)),
    )


@strawberry.type
class PurchasingQueries:
    @strawberry.field(
        **guarded(
            "supplier:read",
            "A company's suppliers in name order; `search` matches the start of a word of the "
            "name, the start of the code (case-insensitive), or the whole tax id.",
        )
    )
    async def suppliers(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID,
        search: str | None = None,
        include_inactive: bool = True,
        first: int | None = 20,
        after: str | None = None,
    ) -> SupplierConnection:
        size = page_size(first)
        position = NAME.decode(after) if after else None
        company = enterable_company(info, company_id)
        rows = (
            await reads.suppliers_page(
                info.context.tenant_engine,
                company_id=company,
                first=size,
                after=position,
                search=search,
                include_inactive=include_inactive,
                cipher=info.context.services.cipher,
            )
            if company is not None
            else []
        )
        edges = [
            SupplierEdge(cursor=NAME.encode(r["name"].lower(), r["id"]), node=Supplier.from_row(r))
            for r in rows[:size]
        ]
        return SupplierConnection(
            edges=edges, page_info=page_info(edges, len(rows) > size, position is not None)
        )

    @strawberry.field(**guarded("supplier:read", "One supplier with its balance, or null."))
    async def supplier(self, info: strawberry.Info, id: strawberry.ID) -> Supplier | None:
        row = await info.context.loaders.supplier_by_id.load(argument_id(id, "id"))
        return Supplier.from_row(row) if _visible(info, row) else None

    @strawberry.field(**guarded("purchase:read", "A company's purchase orders, oldest first."))
    async def purchase_orders(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID,
        filter: PurchaseOrderFilter | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> PurchaseOrderConnection:
        size, position = page_size(first), CREATED_AT.decode(after) if after else None
        company = enterable_company(info, company_id)
        supplier = (
            argument_id(filter.supplier_id, "filter.supplierId")
            if filter and filter.supplier_id
            else None
        )
        rows = (
            await reads.orders_page(
                info.context.tenant_engine,
                company_id=company,
                first=size,
                after=position,
                supplier_id=supplier,
                statuses=[s.value for s in (filter.status or [])] if filter else [],
            )
            if company is not None
            else []
        )
        edges = _edges(rows, size, PurchaseOrderEdge, PurchaseOrder.from_row)
        return PurchaseOrderConnection(
            edges=edges, page_info=page_info(edges, len(rows) > size, position is not None)
        )

    @strawberry.field(**guarded("purchase:read", "One purchase order with its lines, or null."))
    async def purchase_order(
        self, info: strawberry.Info, id: strawberry.ID
    ) -> PurchaseOrder | None:
        row = await info.context.loaders.purchase_order_by_id.load(argument_id(id, "id"))
        return PurchaseOrder.from_row(row) if row is not None and _visible(info, row) else None

    @strawberry.field(**guarded("purchase:read", "A company's goods receipts, oldest first."))
    async def goods_receipts(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID,
        purchase_order_id: strawberry.ID | None = None,
        supplier_id: strawberry.ID | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> GoodsReceiptConnection:
        size, position = page_size(first), CREATED_AT.decode(after) if after else None
        company = enterable_company(info, company_id)
        rows = (
            await reads.receipts_page(
                info.context.tenant_engine,
                company_id=company,
                first=size,
                after=position,
                order_id=argument_id(purchase_order_id, "purchaseOrderId")
                if purchase_order_id
                else None,
                supplier_id=argument_id(supplier_id, "supplierId") if supplier_id else None,
            )
            if company is not None
            else []
        )
        edges = _edges(rows, size, GoodsReceiptEdge, GoodsReceipt.from_row)
        return GoodsReceiptConnection(
            edges=edges, page_info=page_info(edges, len(rows) > size, position is not None)
        )

    @strawberry.field(**guarded("purchase:read", "One goods receipt with its lines, or null."))
    async def goods_receipt(self, info: strawberry.Info, id: strawberry.ID) -> GoodsReceipt | None:
        row = await info.context.loaders.goods_receipt_by_id.load(argument_id(id, "id"))
        return GoodsReceipt.from_row(row) if row is not None and _visible(info, row) else None

    @strawberry.field(
        **guarded(
            "purchase:read",
            "A company's bills, oldest first. `status` matches the stored status; OVERDUE "
            "matches open bills past their due date (tenant's timezone).",
        )
    )
    async def bills(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID,
        filter: BillFilter | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> BillConnection:
        size, position = page_size(first), CREATED_AT.decode(after) if after else None
        company = enterable_company(info, company_id)
        today = business_today(info)
        wanted = list(filter.status or []) if filter else []
        dates = filter.date_range if filter else None
        rows = (
            await reads.bills_page(
                info.context.tenant_engine,
                company_id=company,
                first=size,
                after=position,
                supplier_id=(
                    argument_id(filter.supplier_id, "filter.supplierId")
                    if filter and filter.supplier_id
                    else None
                ),
                statuses=[s.value for s in wanted if s is not BillStatus.OVERDUE],
                overdue_on=today if BillStatus.OVERDUE in wanted else None,
                date_from=dates.start if dates else None,
                date_to=dates.end if dates else None,
            )
            if company is not None
            else []
        )
        edges = _edges(rows, size, BillEdge, lambda r: Bill.build(r, today, None))
        return BillConnection(
            edges=edges, page_info=page_info(edges, len(rows) > size, position is not None)
        )

    @strawberry.field(
        **guarded(
            "purchase:read",
            "One bill with its lines, supplier, payments and journal entry, or null.",
        )
    )
    async def bill(self, info: strawberry.Info, id: strawberry.ID) -> Bill | None:
        row = await info.context.loaders.bill_by_id.load(argument_id(id, "id"))
        if row is None or not _visible(info, row):
            return None
        return Bill.build(row, business_today(info), None)

    @strawberry.field(**guarded("payment:read", "A company's payments made, oldest first."))
    async def supplier_payments(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID,
        filter: SupplierPaymentFilter | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> SupplierPaymentConnection:
        size, position = page_size(first), CREATED_AT.decode(after) if after else None
        company = enterable_company(info, company_id)
        dates = filter.date_range if filter else None
        rows = (
            await reads.payments_page(
                info.context.tenant_engine,
                company_id=company,
                first=size,
                after=position,
                supplier_id=(
                    argument_id(filter.supplier_id, "filter.supplierId")
                    if filter and filter.supplier_id
                    else None
                ),
                date_from=dates.start if dates else None,
                date_to=dates.end if dates else None,
            )
            if company is not None
            else []
        )
        edges = _edges(rows, size, SupplierPaymentEdge, SupplierPayment.from_row)
        return SupplierPaymentConnection(
            edges=edges, page_info=page_info(edges, len(rows) > size, position is not None)
        )

    @strawberry.field(**guarded("payment:read", "One payment made, or null."))
    async def supplier_payment(
        self, info: strawberry.Info, id: strawberry.ID
    ) -> SupplierPayment | None:
        row = await info.context.loaders.supplier_payment_by_id.load(argument_id(id, "id"))
        return SupplierPayment.from_row(row) if row is not None and _visible(info, row) else None

    @strawberry.field(
        **guarded(
            "purchase:read",
            "Accounts payable aging as of `asOf` (default: today in the tenant's timezone): "
            "what was owed that day per supplier, by days past due.",
        )
    )
    async def ap_aging(
        self, info: strawberry.Info, company_id: strawberry.ID, as_of: date | None = None
    ) -> ApAging | None:
        company = enterable_company(info, company_id)
        if company is None:
            return None
        company_row = await info.context.loaders.company_by_id.load(company)
        if company_row is None:  # not a company of this tenant
            return None
        day = as_of or business_today(info)
        rows = await reads.open_bills_as_of(info.context.tenant_engine, company, day)
        per_supplier: dict[uuid.UUID, dict[str, Any]] = {}
        totals: dict[AgingBucket, Decimal] = {}
        for r in rows:
            where = bucket(r["due_date"], day)
            base = r["base_outstanding"]  # what the books carry: revaluations in force included
            s = per_supplier.setdefault(
                r["supplier_id"],
                {"row": r, "own": {}, "base": {}},
            )
            s["own"][where] = s["own"].get(where, ZERO) + r["outstanding"]
            s["base"][where] = s["base"].get(where, ZERO) + base
            totals[where] = totals.get(where, ZERO) + base
        return ApAging(
            company_id=strawberry.ID(str(company)),
            as_of=day,
            currency_code=company_row["currency_code"],
            totals=_buckets(totals),
            suppliers=[
                SupplierAging(
                    supplier_id=strawberry.ID(str(supplier_id)),
                    supplier_code=s["row"]["supplier_code"],
                    supplier_name=s["row"]["supplier_name"],
                    currency_code=s["row"]["currency_code"],
                    buckets=_buckets(s["own"]),
                    base_buckets=_buckets(s["base"]),
                )
                for supplier_id, s in per_supplier.items()
            ],
        )

    @strawberry.field(
        **guarded(
            "supplier:read",
            "A supplier's statement in its currency: the balance owed at `dateFrom`, every "
            "bill, payment and credit to `dateTo`, and the closing balance.",
        )
    )
    async def supplier_statement(
        self,
        info: strawberry.Info,
        supplier_id: strawberry.ID,
        date_from: date,
        date_to: date,
    ) -> SupplierStatement | None:
        if date_to < date_from:
            raise bad_input("`dateTo` is before `dateFrom`.", "dateTo")
        key = argument_id(supplier_id, "supplierId")
        row = await info.context.loaders.supplier_by_id.load(key)
        if row is None or not _visible(info, row):
            return None
        account = statement(
            await reads.statement_lines(info.context.tenant_engine, key, date_to),
            date_from=date_from,
            day=lambda r: r["day"],
            change=lambda r: r["amount"],
        )
        return SupplierStatement(
            supplier=Supplier.from_row(row),
            date_from=date_from,
            date_to=date_to,
            currency_code=row["currency_code"],
            opening_balance=money(account.opening),
            closing_balance=money(account.closing),
            lines=[
                StatementLine(
                    date=r["day"],
                    kind=r["kind"],
                    document_id=strawberry.ID(str(r["document_id"])),
                    number=r["number"],
                    reference=r["reference"],
                    amount=money(r["amount"]),
                    balance=money(balance),
                )
                for r, balance in account.lines
            ],
        )
