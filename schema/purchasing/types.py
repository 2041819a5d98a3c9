"""Purchasing types: suppliers, purchase orders, goods receipts, bills, payments made, supplier
credits, AP aging and statements; their inputs, payloads and errors. Money is `Money` (in the
document's currency unless a field says base); quantities are `Decimal` strings (up to 4
places). Nested relations resolve through the request's dataloaders."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Self

import strawberry

from domain.purchasing import model
from domain.purchasing.model import OrderStatus
from domain.shared.aging import overdue_days, today_in
from schema.accounting.types import JournalEntry
from schema.errors import UserError
from schema.inventory.types import Product
from schema.limits import bounded_list
from schema.relay import PageInfo
from schema.scalars import Money

strawberry.enum(
    OrderStatus,
    name="PurchaseOrderStatus",
    description="OPEN until goods arrive; PARTIALLY_RECEIVED; RECEIVED when every line is in.",
)


@strawberry.enum(
    description="DRAFT -> POSTED -> PARTIALLY_PAID -> PAID. OVERDUE: posted or partially paid "
    "and past its due date (in the tenant's timezone)."
)
class BillStatus(Enum):
    DRAFT = "draft"
    POSTED = "posted"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    VOID = "void"


def _id(value: uuid.UUID | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


def _sid(value: uuid.UUID) -> strawberry.ID:
    return strawberry.ID(str(value))


def money(value: Decimal) -> Money:
    return Money(value.quantize(model.QUANTUM))


def quantity(value: Decimal) -> Decimal:
    return value.quantize(model.QUANTUM)


def rate(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    text = format(value, "f")
    return Decimal(text.rstrip("0").rstrip(".") if "." in text else text)


async def load_product(info: strawberry.Info, product_id: strawberry.ID | None) -> Product | None:
    if product_id is None:
        return None
    found = await info.context.loaders.product_by_id.load(uuid.UUID(product_id))
    return Product.of(found) if found is not None else None


def business_today(info: strawberry.Info) -> date:
    tenant = info.context.tenant_context
    return today_in(tenant.timezone if tenant is not None else None)


# -- suppliers -----------------------------------------------------------------------------------


@strawberry.type
class Address:
    kind: str
    line1: str
    line2: str | None
    city: str | None
    state: str | None
    postcode: str | None
    country: str | None


@strawberry.type
class Contact:
    name: str
    email: str | None
    phone: str | None
    role: str | None


@strawberry.type(
    description="What the company owes the supplier (AP sub-ledger), kept in the same "
    "transaction as every posting."
)
class SupplierBalance:
    currency_code: str = strawberry.field(description="The supplier's currency.")
    payable: Money = strawberry.field(description="Open bills, supplier's currency.")
    base_payable: Money = strawberry.field(description="Its share of Trade Payables (base).")
    advance: Money = strawberry.field(description="Paid ahead, not yet allocated to a bill.")
    base_advance: Money = strawberry.field(description="Its share of Advances to Suppliers.")

    @classmethod
    def zero(cls, currency_code: str) -> Self:
        nothing = money(Decimal(0))
        return cls(
            currency_code=currency_code,
            payable=nothing,
            base_payable=nothing,
            advance=nothing,
            base_advance=nothing,
        )


@strawberry.type(description="A company's supplier.")
class Supplier:
    id: strawberry.ID
    company_id: strawberry.ID
    code: str
    name: str
    tax_id: str | None = strawberry.field(description="TIN.")
    registration_number: str | None
    addresses: list[Address] = bounded_list(model.MAX_ADDRESSES)
    contacts: list[Contact] = bounded_list(model.MAX_CONTACTS)
    currency_code: str
    payment_terms_days: int = strawberry.field(description="Default due date: bill date + this.")
    credit_limit: Money | None
    is_active: bool
    created_at: datetime
    updated_at: datetime
    version: int = strawberry.field(description="Send it back with updateSupplier.")
    balance: SupplierBalance | None

    @classmethod
    def of(cls, s: model.Supplier, balance: SupplierBalance | None = None) -> Self:
        return cls(
            id=_sid(s.id),
            company_id=_sid(s.company_id),
            code=s.code,
            name=s.name,
            tax_id=s.tax_id,
            registration_number=s.registration_number,
            addresses=[Address(**a.to_json()) for a in s.addresses],
            contacts=[Contact(**c.to_json()) for c in s.contacts],
            currency_code=s.currency_code,
            payment_terms_days=s.payment_terms_days,
            credit_limit=money(s.credit_limit) if s.credit_limit is not None else None,
            is_active=s.is_active,
            created_at=s.created_at,
            updated_at=s.updated_at,
            version=s.version,
            balance=balance,
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls(
            id=_sid(row["id"]),
            company_id=_sid(row["company_id"]),
            code=row["code"],
            name=row["name"],
            tax_id=row["tax_id"],
            registration_number=row["registration_number"],
            addresses=[Address(**model.Address.from_json(a).to_json()) for a in row["addresses"]],
            contacts=[Contact(**model.Contact.from_json(c).to_json()) for c in row["contacts"]],
            currency_code=row["currency_code"],
            payment_terms_days=row["payment_terms_days"],
            credit_limit=money(row["credit_limit"]) if row["credit_limit"] is not None else None,
            is_active=row["is_active"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            version=row["version"],
            balance=SupplierBalance(
                currency_code=row["currency_code"],
                payable=money(row["payable"]),
                base_payable=money(row["base_payable"]),
                advance=money(row["advance"]),
                base_advance=money(row["base_advance"]),
            ),
        )


async def load_supplier(info: strawberry.Info, supplier_id: uuid.UUID) -> Supplier | None:
    row = await info.context.loaders.supplier_by_id.load(supplier_id)
    return Supplier.from_row(row) if row is not None else None


@strawberry.type
class SupplierEdge:
    cursor: str
    node: Supplier


@strawberry.type
class SupplierConnection:
    edges: list[SupplierEdge]
    page_info: PageInfo


# -- purchase orders and receipts ----------------------------------------------------------------


@strawberry.type
class PurchaseOrderLine:
    id: strawberry.ID
    line_number: int
    product_id: strawberry.ID
    description: str | None
    quantity: Decimal
    unit_price: Money
    amount: Money
    received_quantity: Decimal
    outstanding_quantity: Decimal = strawberry.field(description="Still to be received.")

    @strawberry.field
    async def product(self, info: strawberry.Info) -> Product | None:
        return await load_product(info, self.product_id)

    @classmethod
    def of(cls, line: model.OrderLine) -> Self:
        return cls(
            id=_sid(line.id),
            line_number=line.line_number,
            product_id=_sid(line.product_id),
            description=line.description,
            quantity=quantity(line.quantity),
            unit_price=money(line.unit_price),
            amount=money(line.amount),
            received_quantity=quantity(line.received_quantity),
            outstanding_quantity=quantity(line.outstanding),
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls(
            id=_sid(row["id"]),
            line_number=row["line_number"],
            product_id=_sid(row["product_id"]),
            description=row["description"],
            quantity=quantity(row["quantity"]),
            unit_price=money(row["unit_price"]),
            amount=money(row["amount"]),
            received_quantity=quantity(row["received_quantity"]),
            outstanding_quantity=quantity(row["quantity"] - row["received_quantity"]),
        )


@strawberry.type
class GoodsReceiptLine:
    id: strawberry.ID
    line_number: int
    order_line_id: strawberry.ID
    product_id: strawberry.ID
    warehouse_id: strawberry.ID
    quantity: Decimal
    unit_price: Money = strawberry.field(description="The order's price (document currency).")
    unit_cost: Money = strawberry.field(description="Base currency per unit, as stocked.")
    value: Money = strawberry.field(description="Booked to inventory and GRNI (base).")
    billed_quantity: Decimal

    @strawberry.field
    async def product(self, info: strawberry.Info) -> Product | None:
        return await load_product(info, self.product_id)

    @classmethod
    def of(cls, line: model.ReceiptLine) -> Self:
        return cls(
            id=_sid(line.id),
            line_number=line.line_number,
            order_line_id=_sid(line.order_line_id),
            product_id=_sid(line.product_id),
            warehouse_id=_sid(line.warehouse_id),
            quantity=quantity(line.quantity),
            unit_price=money(line.unit_price),
            unit_cost=money(line.unit_cost),
            value=money(line.value),
            billed_quantity=quantity(line.billed_quantity),
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls.of(
            model.ReceiptLine(**{k: row[k] for k in model.ReceiptLine.__dataclass_fields__})
        )


@strawberry.type(description="Goods in from a purchase order: stock in at cost, Cr GRNI.")
class GoodsReceipt:
    id: strawberry.ID
    company_id: strawberry.ID
    supplier_id: strawberry.ID
    purchase_order_id: strawberry.ID
    number: str
    receipt_date: date
    currency_code: str
    exchange_rate: Decimal
    notes: str | None
    created_at: datetime
    preloaded_lines: strawberry.Private[list[model.ReceiptLine] | None] = None

    @strawberry.field
    async def lines(self, info: strawberry.Info) -> list[GoodsReceiptLine]:
        if self.preloaded_lines is not None:
            return [GoodsReceiptLine.of(line) for line in self.preloaded_lines]
        rows = await info.context.loaders.receipt_lines_by_receipt.load(uuid.UUID(self.id))
        return [GoodsReceiptLine.from_row(r) for r in rows]

    @strawberry.field
    async def supplier(self, info: strawberry.Info) -> Supplier | None:
        return await load_supplier(info, uuid.UUID(self.supplier_id))

    @classmethod
    def of(cls, r: model.GoodsReceipt) -> Self:
        return cls(
            id=_sid(r.id),
            company_id=_sid(r.company_id),
            supplier_id=_sid(r.supplier_id),
            purchase_order_id=_sid(r.order_id),
            number=r.number,
            receipt_date=r.receipt_date,
            currency_code=r.currency_code,
            exchange_rate=rate(r.exchange_rate) or Decimal(1),
            notes=r.notes,
            created_at=r.created_at,
            preloaded_lines=r.lines,
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls(
            id=_sid(row["id"]),
            company_id=_sid(row["company_id"]),
            supplier_id=_sid(row["supplier_id"]),
            purchase_order_id=_sid(row["order_id"]),
            number=row["number"],
            receipt_date=row["receipt_date"],
            currency_code=row["currency_code"],
            exchange_rate=rate(row["exchange_rate"]) or Decimal(1),
            notes=row["notes"],
            created_at=row["created_at"],
        )


@strawberry.type
class GoodsReceiptEdge:
    cursor: str
    node: GoodsReceipt


@strawberry.type
class GoodsReceiptConnection:
    edges: list[GoodsReceiptEdge]
    page_info: PageInfo


@strawberry.type(description="An order to a supplier; its quantities are expected as incoming.")
class PurchaseOrder:
    id: strawberry.ID
    company_id: strawberry.ID
    supplier_id: strawberry.ID
    number: str
    order_date: date
    expected_date: date | None
    warehouse_id: strawberry.ID
    currency_code: str
    status: OrderStatus
    notes: str | None
    total: Money
    created_at: datetime
    version: int
    preloaded_lines: strawberry.Private[list[model.OrderLine] | None] = None

    @strawberry.field
    async def lines(self, info: strawberry.Info) -> list[PurchaseOrderLine]:
        if self.preloaded_lines is not None:
            return [PurchaseOrderLine.of(line) for line in self.preloaded_lines]
        rows = await info.context.loaders.order_lines_by_order.load(uuid.UUID(self.id))
        return [PurchaseOrderLine.from_row(r) for r in rows]

    @strawberry.field
    async def supplier(self, info: strawberry.Info) -> Supplier | None:
        return await load_supplier(info, uuid.UUID(self.supplier_id))

    @strawberry.field(description="The goods receipts against this order, oldest first.")
    async def receipts(self, info: strawberry.Info) -> list[GoodsReceipt]:
        rows = await info.context.loaders.receipts_by_order.load(uuid.UUID(self.id))
        return [GoodsReceipt.from_row(r) for r in rows]

    @classmethod
    def of(cls, o: model.PurchaseOrder) -> Self:
        return cls(
            id=_sid(o.id),
            company_id=_sid(o.company_id),
            supplier_id=_sid(o.supplier_id),
            number=o.number,
            order_date=o.order_date,
            expected_date=o.expected_date,
            warehouse_id=_sid(o.warehouse_id),
            currency_code=o.currency_code,
            status=o.status,
            notes=o.notes,
            total=money(o.total),
            created_at=o.created_at,
            version=o.version,
            preloaded_lines=o.lines,
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls(
            id=_sid(row["id"]),
            company_id=_sid(row["company_id"]),
            supplier_id=_sid(row["supplier_id"]),
            number=row["number"],
            order_date=row["order_date"],
            expected_date=row["expected_date"],
            warehouse_id=_sid(row["warehouse_id"]),
            currency_code=row["currency_code"],
            status=OrderStatus(row["status"]),
            notes=row["notes"],
            total=money(row["total"]),
            created_at=row["created_at"],
            version=row["version"],
        )


@strawberry.type
class PurchaseOrderEdge:
    cursor: str
    node: PurchaseOrder


@strawberry.type
class PurchaseOrderConnection:
    edges: list[PurchaseOrderEdge]
    page_info: PageInfo


# -- bills ---------------------------------------------------------------------------------------


@strawberry.type
class BillLine:
    id: strawberry.ID
    line_number: int
    receipt_line_id: strawberry.ID | None = strawberry.field(
        description="The goods receipt line it is matched to (null: an expense line)."
    )
    product_id: strawberry.ID | None
    account_id: strawberry.ID | None = strawberry.field(
        description="For an unmatched line: the account it books to."
    )
    description: str | None
    quantity: Decimal
    unit_price: Money
    amount: Money = strawberry.field(description="Net of tax.")
    tax_code: str | None
    tax_rate: Decimal
    tax_amount: Money

    @strawberry.field
    async def product(self, info: strawberry.Info) -> Product | None:
        return await load_product(info, self.product_id)

    @classmethod
    def of(cls, line: model.BillLine) -> Self:
        return cls(
            id=_sid(line.id),
            line_number=line.line_number,
            receipt_line_id=_id(line.receipt_line_id),
            product_id=_id(line.product_id),
            account_id=_id(line.account_id),
            description=line.description,
            quantity=quantity(line.quantity),
            unit_price=money(line.unit_price),
            amount=money(line.amount),
            tax_code=line.tax_code,
            tax_rate=rate(line.tax_rate) or Decimal(0),
            tax_amount=money(line.tax_amount),
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls.of(model.BillLine(**{k: row[k] for k in model.BillLine.__dataclass_fields__}))


@strawberry.type(description="Part of a payment made, allocated to one bill.")
class PaymentAllocation:
    payment_id: strawberry.ID
    payment_number: str
    payment_date: date
    bill_id: strawberry.ID
    bill_number: str | None
    amount: Money = strawberry.field(description="Document currency.")
    base_cleared: Money = strawberry.field(description="AP cleared (base, at the bill's rate).")
    base_paid: Money = strawberry.field(description="What it cost (base, at the payment's rate).")
    realized_fx: Money = strawberry.field(description="basePaid - baseCleared: > 0 a loss.")

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls(
            payment_id=_sid(row["payment_id"]),
            payment_number=row["payment_number"],
            payment_date=row["payment_date"],
            bill_id=_sid(row["bill_id"]),
            bill_number=row["bill_number"],
            amount=money(row["amount"]),
            base_cleared=money(row["base_cleared"]),
            base_paid=money(row["base_paid"]),
            realized_fx=money(row["base_paid"] - row["base_cleared"]),
        )


@strawberry.type(description="A supplier's bill (AP): what the company owes for goods or services.")
class Bill:
    id: strawberry.ID
    company_id: strawberry.ID
    supplier_id: strawberry.ID
    number: str | None = strawberry.field(description="Gapless per company, given on posting.")
    supplier_reference: str | None = strawberry.field(description="The supplier's invoice no.")
    bill_date: date
    due_date: date
    currency_code: str
    exchange_rate: Decimal | None = strawberry.field(description="Fixed on posting.")
    status: BillStatus
    notes: str | None
    subtotal: Money
    tax_total: Money
    total: Money
    base_total: Money | None = strawberry.field(description="The AP booked (base currency).")
    amount_paid: Money
    amount_credited: Money
    outstanding: Money
    overdue_days: int = strawberry.field(
        description="Days past due of an open bill (0 if not due), in the tenant's timezone."
    )
    created_at: datetime
    posted_at: datetime | None
    version: int
    journal_entry_id: strawberry.ID | None
    preloaded_lines: strawberry.Private[list[model.BillLine] | None] = None

    @strawberry.field
    async def lines(self, info: strawberry.Info) -> list[BillLine]:
        if self.preloaded_lines is not None:
            return [BillLine.of(line) for line in self.preloaded_lines]
        rows = await info.context.loaders.bill_lines_by_bill.load(uuid.UUID(self.id))
        return [BillLine.from_row(r) for r in rows]

    @strawberry.field
    async def supplier(self, info: strawberry.Info) -> Supplier | None:
        return await load_supplier(info, uuid.UUID(self.supplier_id))

    @strawberry.field(description="The supplier's name (the spec's projection field).")
    async def supplier_name(self, info: strawberry.Info) -> str | None:
        row = await info.context.loaders.supplier_by_id.load(uuid.UUID(self.supplier_id))
        return row["name"] if row is not None else None

    @strawberry.field(description="Payments allocated to this bill.")
    async def payments(self, info: strawberry.Info) -> list[PaymentAllocation]:
        rows = await info.context.loaders.supplier_allocations_by_bill.load(uuid.UUID(self.id))
        return [PaymentAllocation.from_row(r) for r in rows]

    @strawberry.field(description="The posting's journal entry (null for a draft).")
    async def journal_entry(self, info: strawberry.Info) -> JournalEntry | None:
        if self.journal_entry_id is None:
            return None
        row = await info.context.loaders.journal_entry_by_id.load(uuid.UUID(self.journal_entry_id))
        return JournalEntry.from_row(row) if row is not None else None

    @classmethod
    def build(
        cls, values: Mapping[str, Any], today: date, lines: list[model.BillLine] | None
    ) -> Self:
        stored = model.BillStatus(values["status"])
        outstanding = values["total"] - values["amount_paid"] - values["amount_credited"]
        is_open = stored in model.OPEN_BILL_STATUSES
        late = overdue_days(values["due_date"], today) if is_open else 0
        shown = BillStatus.OVERDUE if late > 0 else BillStatus(stored.value)
        return cls(
            id=_sid(values["id"]),
            company_id=_sid(values["company_id"]),
            supplier_id=_sid(values["supplier_id"]),
            number=values["number"],
            supplier_reference=values["supplier_reference"],
            bill_date=values["bill_date"],
            due_date=values["due_date"],
            currency_code=values["currency_code"],
            exchange_rate=rate(values["exchange_rate"]),
            status=shown,
            notes=values["notes"],
            subtotal=money(values["subtotal"]),
            tax_total=money(values["tax_total"]),
            total=money(values["total"]),
            base_total=money(values["base_total"]) if values["base_total"] is not None else None,
            amount_paid=money(values["amount_paid"]),
            amount_credited=money(values["amount_credited"]),
            outstanding=money(outstanding),
            overdue_days=late,
            created_at=values["created_at"],
            posted_at=values["posted_at"],
            version=values["version"],
            journal_entry_id=_id(values["journal_entry_id"]),
            preloaded_lines=lines,
        )

    @classmethod
    def of(cls, bill: model.Bill, today: date) -> Self:
        values = {k: getattr(bill, k) for k in model.Bill.__dataclass_fields__}
        values["status"] = bill.status.value
        return cls.build(values, today, bill.lines)


@strawberry.type
class BillEdge:
    cursor: str
    node: Bill


@strawberry.type
class BillConnection:
    edges: list[BillEdge]
    page_info: PageInfo


# -- payments made and credits -------------------------------------------------------------------


@strawberry.type(
    description="A payment made to a supplier, allocated to bills; the rest is an advance."
)
class SupplierPayment:
    id: strawberry.ID
    company_id: strawberry.ID
    supplier_id: strawberry.ID
    number: str
    payment_date: date
    currency_code: str
    exchange_rate: Decimal
    amount: Money
    unallocated: Money = strawberry.field(description="Booked as an advance to the supplier.")
    realized_fx: Money = strawberry.field(
        description="Base currency paid beyond the AP cleared: > 0 a loss (6800), < 0 a gain "
        "(4920)."
    )
    bank_account_id: strawberry.ID = strawberry.field(
        description="The account the money left (the advances account for ADVANCE_APPLIED)."
    )
    reference: str | None
    kind: str = strawberry.field(
        description="PAYMENT (money paid) or ADVANCE_APPLIED (an earlier advance settling a "
        "bill: no money moved)."
    )
    created_at: datetime
    journal_entry_id: strawberry.ID | None

    @strawberry.field
    async def allocations(self, info: strawberry.Info) -> list[PaymentAllocation]:
        rows = await info.context.loaders.supplier_allocations_by_payment.load(uuid.UUID(self.id))
        return [PaymentAllocation.from_row(r) for r in rows]

    @strawberry.field
    async def supplier(self, info: strawberry.Info) -> Supplier | None:
        return await load_supplier(info, uuid.UUID(self.supplier_id))

    @strawberry.field
    async def journal_entry(self, info: strawberry.Info) -> JournalEntry | None:
        if self.journal_entry_id is None:
            return None
        row = await info.context.loaders.journal_entry_by_id.load(uuid.UUID(self.journal_entry_id))
        return JournalEntry.from_row(row) if row is not None else None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls(
            id=_sid(row["id"]),
            company_id=_sid(row["company_id"]),
            supplier_id=_sid(row["supplier_id"]),
            number=row["number"],
            payment_date=row["payment_date"],
            currency_code=row["currency_code"],
            exchange_rate=rate(row["exchange_rate"]) or Decimal(1),
            amount=money(row["amount"]),
            unallocated=money(row["unallocated"]),
            realized_fx=money(row["realized_fx"]),
            bank_account_id=_sid(row["bank_account_id"]),
            reference=row["reference"],
            kind=str(row["kind"]).upper(),
            created_at=row["created_at"],
            journal_entry_id=_id(row["journal_entry_id"]),
        )

    @classmethod
    def of(cls, p: model.SupplierPayment) -> Self:
        values = {k: getattr(p, k) for k in model.SupplierPayment.__dataclass_fields__}
        values["realized_fx"] = p.realized_fx
        return cls.from_row(values)


@strawberry.type
class SupplierPaymentEdge:
    cursor: str
    node: SupplierPayment


@strawberry.type
class SupplierPaymentConnection:
    edges: list[SupplierPaymentEdge]
    page_info: PageInfo


@strawberry.type
class SupplierCreditLine:
    id: strawberry.ID
    line_number: int
    bill_line_id: strawberry.ID
    product_id: strawberry.ID | None
    quantity: Decimal
    unit_price: Money
    amount: Money
    tax_amount: Money
    return_stock: bool
    warehouse_id: strawberry.ID | None


@strawberry.type(description="A supplier's credit against a bill (price allowance or return).")
class SupplierCredit:
    id: strawberry.ID
    company_id: strawberry.ID
    supplier_id: strawberry.ID
    bill_id: strawberry.ID
    number: str
    credit_date: date
    currency_code: str
    reason: str | None
    total: Money
    lines: list[SupplierCreditLine]
    journal_entry_id: strawberry.ID | None

    @classmethod
    def of(cls, c: model.SupplierCredit) -> Self:
        return cls(
            id=_sid(c.id),
            company_id=_sid(c.company_id),
            supplier_id=_sid(c.supplier_id),
            bill_id=_sid(c.bill_id),
            number=c.number,
            credit_date=c.credit_date,
            currency_code=c.currency_code,
            reason=c.reason,
            total=money(c.total),
            lines=[
                SupplierCreditLine(
                    id=_sid(line.id),
                    line_number=line.line_number,
                    bill_line_id=_sid(line.bill_line_id),
                    product_id=_id(line.product_id),
                    quantity=quantity(line.quantity),
                    unit_price=money(line.unit_price),
                    amount=money(line.amount),
                    tax_amount=money(line.tax_amount),
                    return_stock=line.return_stock,
                    warehouse_id=_id(line.warehouse_id),
                )
                for line in c.lines
            ],
            journal_entry_id=_id(c.journal_entry_id),
        )


# -- aging and statements ------------------------------------------------------------------------


@strawberry.type(description="Amounts owed by how long past due (current = not yet due).")
class AgingBuckets:
    current: Money
    days_1_to_30: Money
    days_31_to_60: Money
    days_61_to_90: Money
    over_90: Money
    total: Money


@strawberry.type
class SupplierAging:
    supplier_id: strawberry.ID
    supplier_code: str
    supplier_name: str
    currency_code: str
    buckets: AgingBuckets = strawberry.field(description="In the supplier's currency.")
    base_buckets: AgingBuckets = strawberry.field(
        description="In base currency: what the books carry for each bill (at its rate, "
        "plus the revaluations in force on the as-of date)."
    )


@strawberry.type(description="Accounts payable aging as of a date.")
class ApAging:
    company_id: strawberry.ID
    as_of: date
    currency_code: str = strawberry.field(description="The company's base currency.")
    totals: AgingBuckets = strawberry.field(description="All suppliers, base currency.")
    suppliers: list[SupplierAging]


@strawberry.type
class StatementLine:
    date: date
    kind: str = strawberry.field(description="BILL, PAYMENT or CREDIT.")
    document_id: strawberry.ID
    number: str | None
    reference: str | None
    amount: Money = strawberry.field(description="+ owed more, - owed less.")
    balance: Money = strawberry.field(description="Owed after this line.")


@strawberry.type(description="What was owed to a supplier and why, over a period.")
class SupplierStatement:
    supplier: Supplier
    date_from: date
    date_to: date
    currency_code: str
    opening_balance: Money
    closing_balance: Money
    lines: list[StatementLine]


@strawberry.type
class PurchasingSettings:
    company_id: strawberry.ID
    payable_account_id: strawberry.ID
    goods_received_account_id: strawberry.ID
    advances_account_id: strawberry.ID
    purchases_account_id: strawberry.ID
    fx_gain_account_id: strawberry.ID
    fx_loss_account_id: strawberry.ID
    bank_account_id: strawberry.ID
    price_tolerance_percent: Decimal
    quantity_tolerance_percent: Decimal


# -- inputs --------------------------------------------------------------------------------------


@strawberry.input
class AddressInput:
    line1: str
    kind: str = "billing"
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postcode: str | None = None
    country: str | None = None


@strawberry.input
class ContactInput:
    name: str
    email: str | None = None
    phone: str | None = None
    role: str | None = None


@strawberry.input
class CreateSupplierInput:
    company_id: strawberry.ID
    code: str
    name: str
    tax_id: str | None = None
    registration_number: str | None = None
    addresses: list[AddressInput] | None = None
    contacts: list[ContactInput] | None = None
    currency_code: str | None = strawberry.field(
        default=None, description="Default: the company's base currency."
    )
    payment_terms_days: int = 30
    credit_limit: Money | None = None


@strawberry.input(description="Send only the fields to change, with the version you last read.")
class UpdateSupplierInput:
    id: strawberry.ID
    version: int
    code: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    tax_id: str | None = strawberry.UNSET
    registration_number: str | None = strawberry.UNSET
    addresses: list[AddressInput] | None = strawberry.UNSET
    contacts: list[ContactInput] | None = strawberry.UNSET
    currency_code: str | None = strawberry.field(
        default=strawberry.UNSET, description="Refused once the supplier has documents."
    )
    payment_terms_days: int | None = strawberry.UNSET
    credit_limit: Money | None = strawberry.UNSET
    is_active: bool | None = strawberry.field(
        default=strawberry.UNSET, description="false: no new orders, bills or payments."
    )


@strawberry.input
class PurchaseOrderLineInput:
    product_id: strawberry.ID
    quantity: Decimal
    unit_price: Money = strawberry.field(description="In the supplier's currency.")
    description: str | None = None


@strawberry.input
class CreatePurchaseOrderInput:
    company_id: strawberry.ID
    supplier_id: strawberry.ID
    warehouse_id: strawberry.ID = strawberry.field(description="Where the goods will arrive.")
    order_date: date
    lines: list[PurchaseOrderLineInput]
    expected_date: date | None = None
    notes: str | None = None


@strawberry.input
class GoodsReceiptLineInput:
    order_line_id: strawberry.ID
    quantity: Decimal


@strawberry.input
class ReceiveGoodsInput:
    purchase_order_id: strawberry.ID
    receipt_date: date
    lines: list[GoodsReceiptLineInput]
    warehouse_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the order's warehouse."
    )
    notes: str | None = None


@strawberry.input(
    description="Matched to a goods receipt line (receiptLineId), or an expense line booked to "
    "accountId."
)
class BillLineInput:
    quantity: Decimal
    unit_price: Money
    receipt_line_id: strawberry.ID | None = None
    account_id: strawberry.ID | None = None
    product_id: strawberry.ID | None = None
    description: str | None = None
    tax_code: str | None = strawberry.field(default=None, description="A tax code, e.g. SST10.")


@strawberry.input
class CreateBillInput:
    company_id: strawberry.ID
    supplier_id: strawberry.ID
    bill_date: date
    lines: list[BillLineInput]
    due_date: date | None = strawberry.field(
        default=None, description="Default: bill date + the supplier's payment terms."
    )
    supplier_reference: str | None = None
    notes: str | None = None
    post: bool = strawberry.field(
        default=False, description="Post it at once (needs purchase:approve too)."
    )


@strawberry.input
class PostBillInput:
    id: strawberry.ID


@strawberry.input
class VoidBillInput:
    id: strawberry.ID


@strawberry.input
class CancelPurchaseOrderInput:
    id: strawberry.ID


@strawberry.input
class PaymentAllocationInput:
    bill_id: strawberry.ID
    amount: Money


@strawberry.input
class MakeSupplierPaymentInput:
    company_id: strawberry.ID
    supplier_id: strawberry.ID
    payment_date: date
    amount: Money = strawberry.field(description="In the supplier's currency.")
    allocations: list[PaymentAllocationInput] = strawberry.field(
        default_factory=list, description="What is not allocated is an advance."
    )
    bank_account_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the purchasing bank account (1110)."
    )
    reference: str | None = None
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="A retry with the same key returns the first payment (nothing is paid "
        "twice); the same key with different input is refused (CONFLICT).",
    )


@strawberry.input
class ApplySupplierAdvanceInput:
    bill_id: strawberry.ID
    amount: Money = strawberry.field(description="In the supplier's currency.")
    date: date


@strawberry.input
class SupplierCreditLineInput:
    bill_line_id: strawberry.ID
    quantity: Decimal
    return_stock: bool = strawberry.field(
        default=False, description="The goods go back: stock out of the receipt's warehouse."
    )


@strawberry.input
class IssueSupplierCreditInput:
    bill_id: strawberry.ID
    credit_date: date
    lines: list[SupplierCreditLineInput]
    reason: str | None = None


@strawberry.input(description="Accounts by role; null leaves a setting as it is.")
class ConfigurePurchasingInput:
    company_id: strawberry.ID
    payable_account_id: strawberry.ID | None = None
    goods_received_account_id: strawberry.ID | None = None
    advances_account_id: strawberry.ID | None = None
    purchases_account_id: strawberry.ID | None = None
    fx_gain_account_id: strawberry.ID | None = None
    fx_loss_account_id: strawberry.ID | None = None
    bank_account_id: strawberry.ID | None = None
    price_tolerance_percent: Decimal | None = None
    quantity_tolerance_percent: Decimal | None = None


@strawberry.input
class PurchaseOrderFilter:
    supplier_id: strawberry.ID | None = None
    status: list[OrderStatus] | None = None


@strawberry.input
class DateRange:
    start: date | None = None
    end: date | None = None


@strawberry.input
class BillFilter:
    supplier_id: strawberry.ID | None = None
    status: list[BillStatus] | None = None
    date_range: DateRange | None = strawberry.field(default=None, description="On bill date.")


@strawberry.input
class SupplierPaymentFilter:
    supplier_id: strawberry.ID | None = None
    date_range: DateRange | None = None


# -- payloads ------------------------------------------------------------------------------------


@strawberry.type
class SupplierError(UserError):
    pass


@strawberry.type
class PurchaseOrderError(UserError):
    pass


@strawberry.type(description="`field` names the input at fault: `lines.<i>.quantity`, ...")
class GoodsReceiptError(UserError):
    pass


@strawberry.type(
    description="`field` names the input at fault: `lines.<i>.unitPrice` for a price beyond the "
    "match tolerance, `lines.<i>.quantity` for more than was received, `id` for a bill "
    "already posted."
)
class BillError(UserError):
    pass


@strawberry.type(description="`allocations.<i>.amount` for more than a bill's outstanding.")
class SupplierPaymentError(UserError):
    pass


@strawberry.type
class SupplierCreditError(UserError):
    pass


@strawberry.type
class PurchasingSettingsError(UserError):
    pass


@strawberry.type
class SupplierPayload:
    supplier: Supplier | None
    errors: list[SupplierError]


@strawberry.type
class PurchaseOrderPayload:
    purchase_order: PurchaseOrder | None
    errors: list[PurchaseOrderError]


@strawberry.type
class GoodsReceiptPayload:
    goods_receipt: GoodsReceipt | None
    errors: list[GoodsReceiptError]


@strawberry.type
class BillPayload:
    bill: Bill | None
    errors: list[BillError]


@strawberry.type
class SupplierPaymentPayload:
    payment: SupplierPayment | None
    errors: list[SupplierPaymentError]


@strawberry.type
class SupplierCreditPayload:
    credit: SupplierCredit | None
    errors: list[SupplierCreditError]


@strawberry.type
class PurchasingSettingsPayload:
    settings: PurchasingSettings | None
    errors: list[PurchasingSettingsError]
