"""Purchasing repositories, bound to one unit of work's connection (see db/unit_of_work.py)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from db.crypto import SUPPLIER_TAX_ID, FieldCipher, tenant_schema
from db.idempotency import RequestTable
from db.repositories.party import TaxIdSealing, party_fields, party_values
from db.tables.accounting import chart_of_accounts
from db.tables.purchasing import (
    bill_lines,
    bills,
    goods_receipt_lines,
    goods_receipts,
    purchase_order_lines,
    purchase_orders,
    purchasing_requests,
    purchasing_sequences,
    purchasing_settings,
    supplier_balances,
    supplier_credit_lines,
    supplier_credits,
    supplier_payment_allocations,
    supplier_payments,
    suppliers,
)
from domain.purchasing.model import (
    Address,
    Allocation,
    BalanceChange,
    Bill,
    BillLine,
    BillStatus,
    Contact,
    GoodsReceipt,
    OrderLine,
    OrderStatus,
    PurchaseOrder,
    ReceiptLine,
    Supplier,
    SupplierCredit,
    SupplierPayment,
    Tolerance,
)
from domain.shared.clock import utcnow
from domain.shared.errors import Conflict
from domain.shared.idempotency import PriorRequest

ZERO = Decimal(0)
_REQUESTS = RequestTable(purchasing_requests, result_column="document_id")
SETTING_COLUMNS = {
    "payable": "payable_account_id",
    "goods_received": "goods_received_account_id",
    "advances": "advances_account_id",
    "purchases": "purchases_account_id",
    "fx_gain": "fx_gain_account_id",
    "fx_loss": "fx_loss_account_id",
    "bank": "bank_account_id",
}


# -- suppliers -----------------------------------------------------------------------------------


def supplier_from_row(row: Mapping[Any, Any], cipher: FieldCipher, *, tenant: str) -> Supplier:
    """A supplier from its stored row, the tax id (encrypted at rest) opened (db/crypto.py)."""
    return Supplier(
        **party_fields(row, SUPPLIER_TAX_ID, cipher, tenant=tenant),
        addresses=tuple(Address.from_json(a) for a in row["addresses"] or ()),
        contacts=tuple(Contact.from_json(c) for c in row["contacts"] or ()),
    )


def _supplier_values(s: Supplier) -> dict[str, Any]:
    return party_values(s) | {
        "addresses": [a.to_json() for a in s.addresses],
        "contacts": [c.to_json() for c in s.contacts],
    }


class SqlSupplierRepository(TaxIdSealing):
    """`tax_id` is sealed on write and opened on read (db/crypto.py): the domain sees plaintext."""

    def __init__(self, conn: AsyncConnection, cipher: FieldCipher | None) -> None:
        super().__init__(conn, cipher, SUPPLIER_TAX_ID)

    def _values(self, supplier: Supplier) -> dict[str, Any]:
        return _supplier_values(supplier) | self._sealed_tax_id(supplier)

    async def get(self, supplier_id: uuid.UUID, *, for_update: bool = False) -> Supplier | None:
        query = select(suppliers).where(suppliers.c.id == supplier_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        return supplier_from_row(row._mapping, self._cipher, tenant=tenant_schema(self._conn))

    async def code_taken(
        self, company_id: uuid.UUID, code: str, *, other_than: uuid.UUID | None = None
    ) -> bool:
        condition = (suppliers.c.company_id == company_id) & (suppliers.c.code == code)
        if other_than is not None:
            condition &= suppliers.c.id != other_than
        return bool((await self._conn.execute(select(exists().where(condition)))).scalar())

    async def add(self, supplier: Supplier) -> None:
        await self._conn.execute(insert(suppliers).values(self._values(supplier)))
        await self._conn.execute(
            insert(supplier_balances).values(
                supplier_id=supplier.id,
                company_id=supplier.company_id,
                currency_code=supplier.currency_code,
            )
        )

    async def save(self, supplier: Supplier, *, previous_version: int) -> None:
        values = self._values(supplier)
        for fixed in ("id", "company_id", "created_at", "created_by"):
            del values[fixed]
        result = await self._conn.execute(
            update(suppliers)
            .where(suppliers.c.id == supplier.id, suppliers.c.version == previous_version)
            .values(values)
        )
        if result.rowcount != 1:
            raise Conflict("The supplier was changed by someone else; reload it and try again.")
        await self._conn.execute(
            update(supplier_balances)
            .where(supplier_balances.c.supplier_id == supplier.id)
            .values(currency_code=supplier.currency_code)
        )

    async def has_documents(self, supplier_id: uuid.UUID) -> bool:
        query = select(
            exists().where(purchase_orders.c.supplier_id == supplier_id)
            | exists().where(bills.c.supplier_id == supplier_id)
            | exists().where(supplier_payments.c.supplier_id == supplier_id)
        )
        return bool((await self._conn.execute(query)).scalar())

    async def balance_for_update(self, supplier_id: uuid.UUID) -> BalanceChange:
        b = supplier_balances.c
        row = (
            await self._conn.execute(
                select(b.payable, b.base_payable, b.advance, b.base_advance)
                .where(b.supplier_id == supplier_id)
                .with_for_update()
            )
        ).one()
        return BalanceChange(
            payable=row.payable,
            base_payable=row.base_payable,
            advance=row.advance,
            base_advance=row.base_advance,
        )

    async def change_balance(self, supplier_id: uuid.UUID, change: BalanceChange) -> None:
        b = supplier_balances.c
        await self._conn.execute(
            update(supplier_balances)
            .where(b.supplier_id == supplier_id)
            .values(
                payable=b.payable + change.payable,
                base_payable=b.base_payable + change.base_payable,
                advance=b.advance + change.advance,
                base_advance=b.base_advance + change.base_advance,
                updated_at=func.now(),
            )
        )


# -- documents -----------------------------------------------------------------------------------


def order_line_from_row(row: Mapping[Any, Any]) -> OrderLine:
    return OrderLine(
        id=row["id"],
        line_number=row["line_number"],
        product_id=row["product_id"],
        description=row["description"],
        quantity=row["quantity"],
        unit_price=row["unit_price"],
        amount=row["amount"],
        received_quantity=row["received_quantity"],
    )


def receipt_line_from_row(row: Mapping[Any, Any]) -> ReceiptLine:
    return ReceiptLine(
        id=row["id"],
        line_number=row["line_number"],
        order_line_id=row["order_line_id"],
        product_id=row["product_id"],
        warehouse_id=row["warehouse_id"],
        quantity=row["quantity"],
        unit_price=row["unit_price"],
        unit_cost=row["unit_cost"],
        value=row["value"],
        billed_quantity=row["billed_quantity"],
        billed_value=row["billed_value"],
    )


def bill_line_from_row(row: Mapping[Any, Any]) -> BillLine:
    return BillLine(
        id=row["id"],
        line_number=row["line_number"],
        receipt_line_id=row["receipt_line_id"],
        product_id=row["product_id"],
        account_id=row["account_id"],
        description=row["description"],
        quantity=row["quantity"],
        unit_price=row["unit_price"],
        amount=row["amount"],
        tax_code=row["tax_code"],
        tax_rate=row["tax_rate"],
        tax_amount=row["tax_amount"],
    )


def bill_from_row(row: Mapping[Any, Any], lines: list[BillLine]) -> Bill:
    return Bill(
        id=row["id"],
        company_id=row["company_id"],
        supplier_id=row["supplier_id"],
        number=row["number"],
        supplier_reference=row["supplier_reference"],
        bill_date=row["bill_date"],
        due_date=row["due_date"],
        currency_code=row["currency_code"],
        exchange_rate=row["exchange_rate"],
        status=BillStatus(row["status"]),
        notes=row["notes"],
        lines=lines,
        subtotal=row["subtotal"],
        tax_total=row["tax_total"],
        total=row["total"],
        base_total=row["base_total"],
        amount_paid=row["amount_paid"],
        amount_credited=row["amount_credited"],
        base_settled=row["base_settled"],
        journal_entry_id=row["journal_entry_id"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        updated_at=row["updated_at"],
        posted_at=row["posted_at"],
        posted_by=row["posted_by"],
        version=row["version"],
    )


def _bill_header(bill: Bill) -> dict[str, Any]:
    return {
        "number": bill.number,
        "status": bill.status.value,
        "exchange_rate": bill.exchange_rate,
        "base_total": bill.base_total,
        "amount_paid": bill.amount_paid,
        "amount_credited": bill.amount_credited,
        "base_settled": bill.base_settled,
        "journal_entry_id": bill.journal_entry_id,
        "updated_at": bill.updated_at,
        "posted_at": bill.posted_at,
        "posted_by": bill.posted_by,
        "version": bill.version,
    }


class SqlPurchasingDocuments:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    # settings, accounts, numbers

    async def settings(self, company_id: uuid.UUID) -> tuple[dict[str, uuid.UUID], Tolerance]:
        row = (
            await self._conn.execute(
                select(purchasing_settings).where(purchasing_settings.c.company_id == company_id)
            )
        ).first()
        if row is None:
            return {}, Tolerance()
        m = row._mapping
        accounts = {role: m[column] for role, column in SETTING_COLUMNS.items() if m[column]}
        tolerance = Tolerance(
            price_percent=m["price_tolerance_percent"],
            quantity_percent=m["quantity_tolerance_percent"],
        )
        return accounts, tolerance

    async def save_settings(
        self,
        company_id: uuid.UUID,
        accounts: Mapping[str, uuid.UUID],
        price_tolerance_percent: Decimal | None,
        quantity_tolerance_percent: Decimal | None,
        actor: uuid.UUID,
    ) -> None:
        values: dict[str, Any] = {SETTING_COLUMNS[role]: a for role, a in accounts.items()}
        if price_tolerance_percent is not None:
            values["price_tolerance_percent"] = price_tolerance_percent
        if quantity_tolerance_percent is not None:
            values["quantity_tolerance_percent"] = quantity_tolerance_percent
        values["updated_by"] = actor
        values["updated_at"] = utcnow()
        await self._conn.execute(
            pg_insert(purchasing_settings)
            .values(company_id=company_id, **values)
            .on_conflict_do_update(index_elements=["company_id"], set_=values)
        )

    async def account_ids_by_code(
        self, company_id: uuid.UUID, codes: Collection[str]
    ) -> dict[str, uuid.UUID]:
        if not codes:
            return {}
        c = chart_of_accounts.c
        rows = await self._conn.execute(
            select(c.account_code, c.id).where(
                c.company_id == company_id, c.account_code.in_(list(codes)), c.is_active
            )
        )
        return {r.account_code: r.id for r in rows}

    async def next_number(self, company_id: uuid.UUID, kind: str) -> int:
        s = purchasing_sequences.c
        statement = (
            pg_insert(purchasing_sequences)
            .values(company_id=company_id, kind=kind, last_value=1)
            .on_conflict_do_update(
                index_elements=["company_id", "kind"], set_={"last_value": s.last_value + 1}
            )
            .returning(s.last_value)
        )
        return int((await self._conn.execute(statement)).scalar_one())

    # purchase orders

    async def order(self, order_id: uuid.UUID, *, for_update: bool = False) -> PurchaseOrder | None:
        query = select(purchase_orders).where(purchase_orders.c.id == order_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        lines = await self._conn.execute(
            select(purchase_order_lines)
            .where(purchase_order_lines.c.order_id == order_id)
            .order_by(purchase_order_lines.c.line_number)
        )
        m = row._mapping
        return PurchaseOrder(
            id=m["id"],
            company_id=m["company_id"],
            supplier_id=m["supplier_id"],
            number=m["number"],
            order_date=m["order_date"],
            expected_date=m["expected_date"],
            warehouse_id=m["warehouse_id"],
            currency_code=m["currency_code"],
            status=OrderStatus(m["status"]),
            notes=m["notes"],
            lines=[order_line_from_row(r._mapping) for r in lines],
            total=m["total"],
            created_at=m["created_at"],
            created_by=m["created_by"],
            updated_at=m["updated_at"],
            version=m["version"],
        )

    async def add_order(self, order: PurchaseOrder) -> None:
        await self._conn.execute(
            insert(purchase_orders).values(
                id=order.id,
                company_id=order.company_id,
                supplier_id=order.supplier_id,
                number=order.number,
                order_date=order.order_date,
                expected_date=order.expected_date,
                warehouse_id=order.warehouse_id,
                currency_code=order.currency_code,
                status=order.status.value,
                notes=order.notes,
                total=order.total,
                created_at=order.created_at,
                created_by=order.created_by,
                updated_at=order.updated_at,
                version=order.version,
            )
        )
        await self._conn.execute(
            insert(purchase_order_lines),
            [
                {
                    "id": line.id,
                    "order_id": order.id,
                    "company_id": order.company_id,
                    "line_number": line.line_number,
                    "product_id": line.product_id,
                    "description": line.description,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "amount": line.amount,
                    "received_quantity": line.received_quantity,
                }
                for line in order.lines
            ],
        )

    async def save_order(self, order: PurchaseOrder) -> None:
        await self._conn.execute(
            update(purchase_orders)
            .where(purchase_orders.c.id == order.id)
            .values(status=order.status.value, updated_at=order.updated_at, version=order.version)
        )
        for line in order.lines:  # at most one statement per line of the order
            await self._conn.execute(
                update(purchase_order_lines)
                .where(
                    purchase_order_lines.c.id == line.id,
                    purchase_order_lines.c.received_quantity != line.received_quantity,
                )
                .values(received_quantity=line.received_quantity)
            )

    # goods receipts

    async def add_receipt(self, receipt: GoodsReceipt) -> None:
        await self._conn.execute(
            insert(goods_receipts).values(
                id=receipt.id,
                company_id=receipt.company_id,
                supplier_id=receipt.supplier_id,
                order_id=receipt.order_id,
                number=receipt.number,
                receipt_date=receipt.receipt_date,
                currency_code=receipt.currency_code,
                exchange_rate=receipt.exchange_rate,
                notes=receipt.notes,
                created_at=receipt.created_at,
                created_by=receipt.created_by,
            )
        )
        await self._conn.execute(
            insert(goods_receipt_lines),
            [
                {
                    "id": line.id,
                    "receipt_id": receipt.id,
                    "company_id": receipt.company_id,
                    "line_number": line.line_number,
                    "order_line_id": line.order_line_id,
                    "product_id": line.product_id,
                    "warehouse_id": line.warehouse_id,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "unit_cost": line.unit_cost,
                    "value": line.value,
                    "billed_quantity": line.billed_quantity,
                    "billed_value": line.billed_value,
                }
                for line in receipt.lines
            ],
        )

    async def receipt_lines(
        self, line_ids: Collection[uuid.UUID], *, for_update: bool = False
    ) -> dict[uuid.UUID, tuple[GoodsReceipt, ReceiptLine]]:
        if not line_ids:
            return {}
        query = (
            select(
                goods_receipt_lines,
                goods_receipts.c.supplier_id,
                goods_receipts.c.order_id,
                goods_receipts.c.number.label("receipt_number"),
                goods_receipts.c.receipt_date,
                goods_receipts.c.currency_code,
                goods_receipts.c.exchange_rate,
                goods_receipts.c.notes,
                goods_receipts.c.created_at,
                goods_receipts.c.created_by,
            )
            .join(goods_receipts, goods_receipts.c.id == goods_receipt_lines.c.receipt_id)
            .where(goods_receipt_lines.c.id.in_(list(line_ids)))
            .order_by(goods_receipt_lines.c.id)
        )
        if for_update:
            query = query.with_for_update(of=goods_receipt_lines)
        out: dict[uuid.UUID, tuple[GoodsReceipt, ReceiptLine]] = {}
        headers: dict[uuid.UUID, GoodsReceipt] = {}
        for row in await self._conn.execute(query):
            m = row._mapping
            line = receipt_line_from_row(m)
            header = headers.get(m["receipt_id"])
            if header is None:
                header = headers[m["receipt_id"]] = GoodsReceipt(
                    id=m["receipt_id"],
                    company_id=m["company_id"],
                    supplier_id=m["supplier_id"],
                    order_id=m["order_id"],
                    number=m["receipt_number"],
                    receipt_date=m["receipt_date"],
                    currency_code=m["currency_code"],
                    exchange_rate=m["exchange_rate"],
                    notes=m["notes"],
                    lines=[],
                    created_at=m["created_at"],
                    created_by=m["created_by"],
                )
            header.lines.append(line)
            out[line.id] = (header, line)
        return out

    async def save_billed(self, lines: Sequence[ReceiptLine]) -> None:
        for line in lines:
            await self._conn.execute(
                update(goods_receipt_lines)
                .where(goods_receipt_lines.c.id == line.id)
                .values(billed_quantity=line.billed_quantity, billed_value=line.billed_value)
            )

    # bills

    async def bills(
        self, bill_ids: Collection[uuid.UUID], *, for_update: bool = False
    ) -> dict[uuid.UUID, Bill]:
        if not bill_ids:
            return {}
        query = select(bills).where(bills.c.id.in_(list(bill_ids))).order_by(bills.c.id)
        if for_update:
            query = query.with_for_update()
        headers = [r._mapping for r in await self._conn.execute(query)]
        if not headers:
            return {}
        lines: dict[uuid.UUID, list[BillLine]] = defaultdict(list)
        for r in await self._conn.execute(
            select(bill_lines)
            .where(bill_lines.c.bill_id.in_([h["id"] for h in headers]))
            .order_by(bill_lines.c.bill_id, bill_lines.c.line_number)
        ):
            lines[r.bill_id].append(bill_line_from_row(r._mapping))
        return {h["id"]: bill_from_row(h, lines[h["id"]]) for h in headers}

    async def bill(self, bill_id: uuid.UUID, *, for_update: bool = False) -> Bill | None:
        return (await self.bills([bill_id], for_update=for_update)).get(bill_id)

    async def add_bill(self, bill: Bill) -> None:
        await self._conn.execute(
            insert(bills).values(
                id=bill.id,
                company_id=bill.company_id,
                supplier_id=bill.supplier_id,
                supplier_reference=bill.supplier_reference,
                bill_date=bill.bill_date,
                due_date=bill.due_date,
                currency_code=bill.currency_code,
                notes=bill.notes,
                subtotal=bill.subtotal,
                tax_total=bill.tax_total,
                total=bill.total,
                created_at=bill.created_at,
                created_by=bill.created_by,
                **_bill_header(bill),
            )
        )
        await self._conn.execute(
            insert(bill_lines),
            [
                {
                    "id": line.id,
                    "bill_id": bill.id,
                    "company_id": bill.company_id,
                    "line_number": line.line_number,
                    "receipt_line_id": line.receipt_line_id,
                    "product_id": line.product_id,
                    "account_id": line.account_id,
                    "description": line.description,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "amount": line.amount,
                    "tax_code": line.tax_code,
                    "tax_rate": line.tax_rate,
                    "tax_amount": line.tax_amount,
                }
                for line in bill.lines
            ],
        )

    async def save_bill(self, bill: Bill) -> None:
        await self._conn.execute(
            update(bills).where(bills.c.id == bill.id).values(_bill_header(bill))
        )

    # payments and credits

    async def claim_request(
        self, company_id: uuid.UUID, key: str, fingerprint: str
    ) -> PriorRequest | None:
        scope = {"company_id": company_id, "idempotency_key": key}
        return await _REQUESTS.claim(self._conn, scope, fingerprint)

    async def complete_request(
        self, company_id: uuid.UUID, key: str, document_id: uuid.UUID
    ) -> None:
        scope = {"company_id": company_id, "idempotency_key": key}
        await _REQUESTS.complete(self._conn, scope, document_id)

    async def payment(self, payment_id: uuid.UUID) -> SupplierPayment | None:
        row = (
            await self._conn.execute(
                select(supplier_payments).where(supplier_payments.c.id == payment_id)
            )
        ).first()
        if row is None:
            return None
        a = supplier_payment_allocations.c
        allocations = [
            Allocation(
                bill_id=r.bill_id,
                amount=r.amount,
                bill_rate=r.bill_rate,
                base_cleared=r.base_cleared,
                base_paid=r.base_paid,
            )
            for r in await self._conn.execute(
                select(supplier_payment_allocations)
                .where(a.payment_id == payment_id)
                .order_by(a.bill_id)
            )
        ]
        m = row._mapping
        return SupplierPayment(
            id=m["id"],
            company_id=m["company_id"],
            supplier_id=m["supplier_id"],
            number=m["number"],
            payment_date=m["payment_date"],
            currency_code=m["currency_code"],
            exchange_rate=m["exchange_rate"],
            amount=m["amount"],
            bank_account_id=m["bank_account_id"],
            reference=m["reference"],
            allocations=allocations,
            unallocated=m["unallocated"],
            journal_entry_id=m["journal_entry_id"],
            created_at=m["created_at"],
            created_by=m["created_by"],
            kind=m["kind"],
        )

    async def add_payment(self, payment: SupplierPayment) -> None:
        await self._conn.execute(
            insert(supplier_payments).values(
                id=payment.id,
                company_id=payment.company_id,
                supplier_id=payment.supplier_id,
                number=payment.number,
                payment_date=payment.payment_date,
                currency_code=payment.currency_code,
                exchange_rate=payment.exchange_rate,
                amount=payment.amount,
                bank_account_id=payment.bank_account_id,
                reference=payment.reference,
                unallocated=payment.unallocated,
                realized_fx=payment.realized_fx,
                kind=payment.kind,
                journal_entry_id=payment.journal_entry_id,
                created_at=payment.created_at,
                created_by=payment.created_by,
            )
        )
        if payment.allocations:
            await self._conn.execute(
                insert(supplier_payment_allocations),
                [
                    {
                        "payment_id": payment.id,
                        "bill_id": a.bill_id,
                        "company_id": payment.company_id,
                        "amount": a.amount,
                        "bill_rate": a.bill_rate,
                        "base_cleared": a.base_cleared,
                        "base_paid": a.base_paid,
                    }
                    for a in payment.allocations
                ],
            )

    async def credited_quantities(self, bill_id: uuid.UUID) -> dict[uuid.UUID, Decimal]:
        line = supplier_credit_lines.c
        rows = await self._conn.execute(
            select(line.bill_line_id, func.sum(line.quantity))
            .join(supplier_credits, supplier_credits.c.id == line.credit_id)
            .where(supplier_credits.c.bill_id == bill_id)
            .group_by(line.bill_line_id)
        )
        return {r[0]: r[1] for r in rows}

    async def add_credit(self, credit: SupplierCredit) -> None:
        await self._conn.execute(
            insert(supplier_credits).values(
                id=credit.id,
                company_id=credit.company_id,
                supplier_id=credit.supplier_id,
                bill_id=credit.bill_id,
                number=credit.number,
                credit_date=credit.credit_date,
                currency_code=credit.currency_code,
                exchange_rate=credit.exchange_rate,
                reason=credit.reason,
                total=credit.total,
                journal_entry_id=credit.journal_entry_id,
                created_at=credit.created_at,
                created_by=credit.created_by,
            )
        )
        await self._conn.execute(
            insert(supplier_credit_lines),
            [
                {
                    "id": c.id,
                    "credit_id": credit.id,
                    "company_id": credit.company_id,
                    "line_number": c.line_number,
                    "bill_line_id": c.bill_line_id,
                    "product_id": c.product_id,
                    "quantity": c.quantity,
                    "unit_price": c.unit_price,
                    "amount": c.amount,
                    "tax_amount": c.tax_amount,
                    "return_stock": c.return_stock,
                    "warehouse_id": c.warehouse_id,
                }
                for c in credit.lines
            ],
        )
