"""Purchasing command handlers: one function per command, one transaction per call.

Company scoping: a company (or a record of a company) the caller may not enter reads as "not
found". Permissions: suppliers `supplier:create|update`; orders, receipts, draft bills and
supplier credits `purchase:create`; posting a bill and the purchasing settings
`purchase:approve`; paying `payment:create`.

Lock order inside a transaction (the same in every command, so they cannot deadlock): the
purchasing documents (order, bills in id order, receipt lines in id order), the
document-number sequence, the supplier's balance row, then inventory's stock levels (through
its seam) and last the books (through `post_entry_within`).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal

from domain.accounting.carrying import shares_in_force
from domain.accounting.handlers import company_currency
from domain.accounting.model import base_amount
from domain.accounting.posting import post_entry_within
from domain.identity.access import AccessGrants, RecordFacts
from domain.inventory.stock import (
    IssueLine,
    change_commitments_within,
    issue_within,
    receive_within,
)
from domain.inventory.stock import ReceiptLine as StockReceipt
from domain.purchasing.commands import (
    IDEMPOTENCY_KEY_MAX,
    ApplySupplierAdvance,
    CancelPurchaseOrder,
    ConfigurePurchasing,
    CreateBill,
    CreatePurchaseOrder,
    CreateSupplier,
    IssueSupplierCredit,
    MakeSupplierPayment,
    PostBill,
    ReceiveGoods,
    UpdateSupplier,
    VoidBill,
)
from domain.purchasing.model import (
    DEFAULT_ACCOUNT_CODES,
    BalanceChange,
    Bill,
    GoodsReceipt,
    PurchaseOrder,
    PurchasingAccounts,
    Supplier,
    SupplierCredit,
    SupplierPayment,
    Tolerance,
    check_tolerance,
    require_supplier,
)
from domain.purchasing.ports import PurchasingUnitOfWork
from domain.purchasing.posting import (
    bill_entry,
    clear_goods_received,
    credit_entry,
    payment_entry,
)
from domain.shared.clock import utcnow
from domain.shared.errors import DomainError, ErrorCode, NotFound, ValidationErrors
from domain.shared.events import EventOrigin

ONE = Decimal(1)
ZERO = Decimal(0)
RECEIPT_REFERENCE = "GoodsReceipt"
CREDIT_REFERENCE = "SupplierCredit"


def _credit_line_field(field: str | None, positions: list[int]) -> str | None:
    """`returns.<j>.quantity` (the j-th returned line) -> `lines.<i>.quantity`."""
    if field is None or not field.startswith("returns."):
        return field
    _prefix, index, rest = field.split(".", 2)
    return f"lines.{positions[int(index)]}.{rest}"


def _enter(grants: AccessGrants, company_id: uuid.UUID, field: str = "companyId") -> None:
    if not grants.can_enter(company_id):
        raise NotFound("Company", field)


async def _rate(
    uow: PurchasingUnitOfWork,
    company_id: uuid.UUID,
    currency: str,
    day: date,
    field: str,
) -> Decimal:
    """The company's rate for `currency` in force on `day` (1 for its base currency)."""
    base = await company_currency(uow, company_id)
    if currency == base:
        return ONE
    rate = (await uow.rates.rates_on(company_id, [currency], day)).get(currency)
    if rate is None:
        raise DomainError.single(
            ErrorCode.MISSING_RATE,
            f"No {currency} -> {base} exchange rate on or before {day.isoformat()}: set one "
            "with setExchangeRate.",
            field,
        )
    return rate


async def _carried_revaluations(
    uow: PurchasingUnitOfWork,
    bills: Mapping[uuid.UUID, Bill],
    settling: Collection[uuid.UUID],
    day: date,
    field: str,
) -> dict[uuid.UUID, Decimal]:
    """The revaluation shares of the bills settled on `day` (see `shares_in_force`)."""
    names = {i: f"Bill {b.number}" for i, b in bills.items()}
    return await shares_in_force(uow.rates, names, settling, day, field)


async def resolve_accounts(uow: PurchasingUnitOfWork, company_id: uuid.UUID) -> PurchasingAccounts:
    """The configured accounts, the rest found by their default chart codes."""
    configured, _tolerance = await uow.purchasing.settings(company_id)
    missing = {role: code for role, code in DEFAULT_ACCOUNT_CODES.items() if role not in configured}
    by_code = await uow.purchasing.account_ids_by_code(company_id, set(missing.values()))
    chosen = dict(configured)
    for role, code in missing.items():
        if code not in by_code:
            raise DomainError.single(
                ErrorCode.INVALID,
                f"The chart of accounts has no account {code} for {role.replace('_', ' ')}: "
                "open it or choose one with configurePurchasing.",
                None,
            )
        chosen[role] = by_code[code]
    return PurchasingAccounts(**chosen)


async def _require_supplier(
    uow: PurchasingUnitOfWork, supplier_id: uuid.UUID, company_id: uuid.UUID
) -> Supplier:
    return require_supplier(await uow.suppliers.get(supplier_id), company_id)


async def _check_accounts(
    uow: PurchasingUnitOfWork,
    company_id: uuid.UUID,
    wanted: dict[str, uuid.UUID],
) -> dict[uuid.UUID, bool]:
    """Per account id: an active account of this company."""
    found = await uow.accounts.get_many(set(wanted.values()))
    return {
        account_id: (
            (a := found.get(account_id)) is not None and a.company_id == company_id and a.is_active
        )
        for account_id in wanted.values()
    }


# -- suppliers -----------------------------------------------------------------------------------


async def create_supplier(
    cmd: CreateSupplier, uow: PurchasingUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> Supplier:
    _enter(grants, cmd.company_id)
    grants.check("supplier", "create", company_id=cmd.company_id)
    async with uow:
        base = await company_currency(uow, cmd.company_id)
        values = dict(cmd.values)
        values.setdefault("currency_code", base)
        supplier = Supplier.create(
            company_id=cmd.company_id, values=values, actor=origin.user_id, now=utcnow()
        )
        if await uow.suppliers.code_taken(cmd.company_id, supplier.code):
            raise DomainError.single(
                ErrorCode.DUPLICATE, f"Supplier code {supplier.code} is taken.", "code"
            )
        await uow.suppliers.add(supplier)
        uow.record(supplier.events)
        await uow.commit()
    return supplier


async def update_supplier(
    cmd: UpdateSupplier, uow: PurchasingUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> Supplier:
    async with uow:
        supplier = await uow.suppliers.get(cmd.supplier_id, for_update=True)
        if supplier is None or not grants.can_enter(supplier.company_id):
            raise NotFound("Supplier")
        grants.check(
            "supplier",
            "update",
            company_id=supplier.company_id,
            facts=RecordFacts(owner_id=supplier.created_by),
        )
        previous_version = supplier.version
        supplier.update(
            expected_version=cmd.expected_version,
            changes=cmd.changes,
            has_documents="currency_code" in cmd.changes
            and await uow.suppliers.has_documents(supplier.id),
            actor=origin.user_id,
            now=utcnow(),
        )
        if supplier.version == previous_version:
            return supplier
        if "code" in cmd.changes and await uow.suppliers.code_taken(
            supplier.company_id, supplier.code, other_than=supplier.id
        ):
            raise DomainError.single(
                ErrorCode.DUPLICATE, f"Supplier code {supplier.code} is taken.", "code"
            )
        await uow.suppliers.save(supplier, previous_version=previous_version)
        uow.record(supplier.events)
        await uow.commit()
    return supplier


async def configure_purchasing(
    cmd: ConfigurePurchasing, uow: PurchasingUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> tuple[PurchasingAccounts, Tolerance]:
    _enter(grants, cmd.company_id)
    grants.check("purchase", "approve", company_id=cmd.company_id)
    errors = ValidationErrors()
    for role in cmd.accounts:
        if role not in DEFAULT_ACCOUNT_CODES:
            errors.add(f"accounts.{role}", "Not a purchasing account role.")
    check_tolerance(errors, cmd.price_tolerance_percent, "priceTolerancePercent")
    check_tolerance(errors, cmd.quantity_tolerance_percent, "quantityTolerancePercent")
    errors.raise_if_any()
    async with uow:
        await company_currency(uow, cmd.company_id)
        usable = await _check_accounts(uow, cmd.company_id, dict(cmd.accounts))
        for role, account_id in cmd.accounts.items():
            if not usable[account_id]:
                errors.add(
                    f"accounts.{role}",
                    "No such active account in this company.",
                    ErrorCode.NOT_FOUND,
                )
        errors.raise_if_any()
        await uow.purchasing.save_settings(
            cmd.company_id,
            cmd.accounts,
            cmd.price_tolerance_percent,
            cmd.quantity_tolerance_percent,
            origin.user_id,
        )
        accounts = await resolve_accounts(uow, cmd.company_id)
        _configured, tolerance = await uow.purchasing.settings(cmd.company_id)
        await uow.commit()
    return accounts, tolerance


# -- purchase orders and goods receipts ----------------------------------------------------------


async def _check_warehouse(
    uow: PurchasingUnitOfWork, warehouse_id: uuid.UUID, company_id: uuid.UUID
) -> None:
    found = (await uow.warehouses.get_many([warehouse_id])).get(warehouse_id)
    if found is None or found.company_id != company_id:
        raise DomainError.single(ErrorCode.NOT_FOUND, "No such warehouse.", "warehouseId")
    if not found.is_active:
        raise DomainError.single(
            ErrorCode.INVALID_STATE, "The warehouse is inactive.", "warehouseId"
        )


async def create_purchase_order(
    cmd: CreatePurchaseOrder,
    uow: PurchasingUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
) -> PurchaseOrder:
    _enter(grants, cmd.company_id)
    grants.check("purchase", "create", company_id=cmd.company_id)
    async with uow:
        supplier = await _require_supplier(uow, cmd.supplier_id, cmd.company_id)
        await _check_warehouse(uow, cmd.warehouse_id, cmd.company_id)
        products = await uow.products.get_many({line.product_id for line in cmd.lines})
        now = utcnow()
        number = await uow.purchasing.next_number(cmd.company_id, "PO")
        order = PurchaseOrder.create(
            supplier=supplier,
            number=f"PO-{number:06d}",
            order_date=cmd.order_date,
            expected_date=cmd.expected_date,
            warehouse_id=cmd.warehouse_id,
            notes=cmd.notes,
            lines=cmd.lines,
            products=products,
            actor=origin.user_id,
            now=now,
        )
        grants.check(
            "purchase",
            "create",
            company_id=cmd.company_id,
            facts=RecordFacts(owner_id=origin.user_id, amount=order.total),
        )
        await uow.purchasing.add_order(order)
        expected: dict[uuid.UUID, Decimal] = {}
        for line in order.lines:
            if products[line.product_id].is_stocked:
                expected[line.product_id] = (
                    expected.get(line.product_id, Decimal(0)) + line.quantity
                )
        for product_id in sorted(expected):  # stock levels in (product, warehouse) order
            await change_commitments_within(
                uow,
                company_id=cmd.company_id,
                product_id=product_id,
                warehouse_id=cmd.warehouse_id,
                incoming_delta=expected[product_id],
            )
        uow.record(order.events)
        await uow.commit()
    return order


async def cancel_purchase_order(
    cmd: CancelPurchaseOrder,
    uow: PurchasingUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
) -> PurchaseOrder:
    async with uow:
        order = await uow.purchasing.order(cmd.order_id, for_update=True)
        if order is None or not grants.can_enter(order.company_id):
            raise NotFound("Purchase order")
        grants.check(
            "purchase",
            "create",
            company_id=order.company_id,
            facts=RecordFacts(owner_id=order.created_by, amount=order.total),
        )
        expected = order.cancel(utcnow())
        await uow.purchasing.save_order(order)
        products = await uow.products.get_many(set(expected))
        for product_id in sorted(expected):  # no longer incoming
            if products[product_id].is_stocked:
                await change_commitments_within(
                    uow,
                    company_id=order.company_id,
                    product_id=product_id,
                    warehouse_id=order.warehouse_id,
                    incoming_delta=-expected[product_id],
                )
        uow.record(order.events)
        await uow.commit()
    return order


async def receive_goods(
    cmd: ReceiveGoods, uow: PurchasingUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> GoodsReceipt:
    async with uow:
        order = await uow.purchasing.order(cmd.order_id, for_update=True)
        if order is None or not grants.can_enter(order.company_id):
            raise NotFound("Purchase order", "purchaseOrderId")
        grants.check("purchase", "create", company_id=order.company_id)
        warehouse_id = cmd.warehouse_id or order.warehouse_id
        if warehouse_id != order.warehouse_id:
            await _check_warehouse(uow, warehouse_id, order.company_id)
        rate = await _rate(
            uow, order.company_id, order.currency_code, cmd.receipt_date, "receiptDate"
        )
        accounts = await resolve_accounts(uow, order.company_id)
        now = utcnow()
        outstanding_before = {line.id: line.outstanding for line in order.lines}
        number = await uow.purchasing.next_number(order.company_id, "GRN")
        receipt = GoodsReceipt.create(
            order=order,
            number=f"GRN-{number:06d}",
            receipt_date=cmd.receipt_date,
            exchange_rate=rate,
            warehouse_id=warehouse_id,
            notes=cmd.notes,
            lines=cmd.lines,
            actor=origin.user_id,
            now=now,
        )
        await uow.purchasing.save_order(order)
        # What was expected at the order's warehouse is no longer incoming.
        no_longer_expected: dict[uuid.UUID, Decimal] = {}
        for line in receipt.lines:
            taken = min(line.quantity, max(outstanding_before[line.order_line_id], Decimal(0)))
            no_longer_expected[line.product_id] = (
                no_longer_expected.get(line.product_id, Decimal(0)) + taken
            )
        products = await uow.products.get_many(set(no_longer_expected))
        for product_id in sorted(no_longer_expected):
            if products[product_id].is_stocked:
                await change_commitments_within(
                    uow,
                    company_id=order.company_id,
                    product_id=product_id,
                    warehouse_id=order.warehouse_id,
                    incoming_delta=-no_longer_expected[product_id],
                )
        moved = await receive_within(
            uow,
            origin,
            company_id=order.company_id,
            occurred_on=cmd.receipt_date,
            reason=f"Goods receipt {receipt.number} (PO {order.number})",
            reference_type=RECEIPT_REFERENCE,
            reference_id=receipt.id,
            lines=[
                StockReceipt(
                    product_id=line.product_id,
                    warehouse_id=line.warehouse_id,
                    quantity=line.quantity,
                    unit_cost=line.unit_cost,
                )
                for line in receipt.lines
            ],
            counter_account_id=accounts.goods_received,
            date_field="receiptDate",
        )
        for line, movement in zip(receipt.lines, moved, strict=True):
            line.value = movement.value  # what stock (and GRNI) booked; 0 for a service
        await uow.purchasing.add_receipt(receipt)
        receipt.record_received(now)
        uow.record(order.events)
        uow.record(receipt.events)
        await uow.commit()
    return receipt


# -- bills ---------------------------------------------------------------------------------------


async def _post_bill(
    bill: Bill, uow: PurchasingUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> None:
    grants.check(
        "purchase",
        "approve",
        company_id=bill.company_id,
        facts=RecordFacts(owner_id=bill.created_by, amount=bill.total),
    )
    bill.ensure_draft()
    matched = {line.receipt_line_id for line in bill.lines if line.receipt_line_id is not None}
    receipt_lines = await uow.purchasing.receipt_lines(matched, for_update=True)
    _configured, tolerance = await uow.purchasing.settings(bill.company_id)
    bill.check_matches(receipt_lines, tolerance)
    rate = await _rate(uow, bill.company_id, bill.currency_code, bill.bill_date, "billDate")
    base_currency = await company_currency(uow, bill.company_id)
    accounts = await resolve_accounts(uow, bill.company_id)
    number = await uow.purchasing.next_number(bill.company_id, "BILL")
    bill.post(
        number=f"BILL-{number:06d}",
        exchange_rate=rate,
        base_currency=base_currency,
        actor=origin.user_id,
        now=utcnow(),
    )
    cleared = clear_goods_received(bill, receipt_lines)
    await uow.purchasing.save_billed([received for _r, received in receipt_lines.values()])
    lines, change = bill_entry(
        bill, base_currency=base_currency, accounts=accounts, cleared=cleared
    )
    await uow.suppliers.change_balance(bill.supplier_id, change)
    entry = await post_entry_within(
        uow,
        origin,
        company_id=bill.company_id,
        transaction_date=bill.bill_date,
        lines=lines,
        reference=bill.number,
        description=f"Supplier bill {bill.number}",
        date_field="billDate",
    )
    bill.journal_entry_id = entry.id


async def create_bill(
    cmd: CreateBill, uow: PurchasingUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> Bill:
    _enter(grants, cmd.company_id)
    grants.check("purchase", "create", company_id=cmd.company_id)
    async with uow:
        supplier = await _require_supplier(uow, cmd.supplier_id, cmd.company_id)
        matched = {line.receipt_line_id for line in cmd.lines if line.receipt_line_id is not None}
        receipt_lines = await uow.purchasing.receipt_lines(matched, for_update=cmd.post)
        products = await uow.products.get_many(
            {line.product_id for line in cmd.lines if line.product_id is not None}
        )
        tax_codes = (
            await uow.tax_codes.for_company(cmd.company_id)
            if any(line.tax_code for line in cmd.lines)
            else {}
        )
        accounts_ok = await _check_accounts(
            uow,
            cmd.company_id,
            {str(i): line.account_id for i, line in enumerate(cmd.lines) if line.account_id},
        )
        _configured, tolerance = await uow.purchasing.settings(cmd.company_id)
        bill = Bill.create(
            supplier=supplier,
            supplier_reference=cmd.supplier_reference,
            bill_date=cmd.bill_date,
            due_date=cmd.due_date,
            notes=cmd.notes,
            lines=cmd.lines,
            receipt_lines=receipt_lines,
            products=products,
            tax_codes=tax_codes,
            rounding=await uow.tax_codes.rounding(cmd.company_id),
            expense_accounts_ok=accounts_ok,
            tolerance=tolerance,
            actor=origin.user_id,
            now=utcnow(),
        )
        await uow.purchasing.add_bill(bill)
        if cmd.post:
            await _post_bill(bill, uow, origin, grants)
            await uow.purchasing.save_bill(bill)
        uow.record(bill.events)
        await uow.commit()
    return bill


async def post_bill(
    cmd: PostBill, uow: PurchasingUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> Bill:
    async with uow:
        bill = await uow.purchasing.bill(cmd.bill_id, for_update=True)
        if bill is None or not grants.can_enter(bill.company_id):
            raise NotFound("Bill")
        await _post_bill(bill, uow, origin, grants)
        await uow.purchasing.save_bill(bill)
        uow.record(bill.events)
        await uow.commit()
    return bill


async def void_bill(
    cmd: VoidBill, uow: PurchasingUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> Bill:
    async with uow:
        bill = await uow.purchasing.bill(cmd.bill_id, for_update=True)
        if bill is None or not grants.can_enter(bill.company_id):
            raise NotFound("Bill")
        grants.check(
            "purchase", "create", company_id=bill.company_id, facts=RecordFacts(bill.created_by)
        )
        bill.void(utcnow())
        await uow.purchasing.save_bill(bill)
        uow.record(bill.events)
        await uow.commit()
    return bill


# -- payments made and supplier credits ----------------------------------------------------------


async def _replay(
    uow: PurchasingUnitOfWork, prior: tuple[str, uuid.UUID | None], fingerprint: str
) -> SupplierPayment:
    """A retry of a payment already made: the first payment, nothing new."""
    first_fingerprint, payment_id = prior
    if first_fingerprint != fingerprint or payment_id is None:
        raise DomainError.single(
            ErrorCode.CONFLICT,
            "This idempotency key was used for a different payment.",
            "idempotencyKey",
        )
    payment = await uow.purchasing.payment(payment_id)
    assert payment is not None  # written with the key, in the same transaction
    return payment


async def make_supplier_payment(
    cmd: MakeSupplierPayment,
    uow: PurchasingUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
) -> SupplierPayment:
    _enter(grants, cmd.company_id)
    grants.check(
        "payment",
        "create",
        company_id=cmd.company_id,
        facts=RecordFacts(owner_id=origin.user_id, amount=cmd.amount),
    )
    key = (cmd.idempotency_key or "").strip() or None
    if key is not None and len(key) > IDEMPOTENCY_KEY_MAX:
        raise DomainError.single(
            ErrorCode.INVALID, f"At most {IDEMPOTENCY_KEY_MAX} characters.", "idempotencyKey"
        )
    async with uow:
        if key is not None:
            prior = await uow.purchasing.claim_request(cmd.company_id, key, cmd.fingerprint())
            if prior is not None:
                return await _replay(uow, prior, cmd.fingerprint())
        bills = await uow.purchasing.bills({a.bill_id for a in cmd.allocations}, for_update=True)
        supplier = await _require_supplier(uow, cmd.supplier_id, cmd.company_id)
        accounts = await resolve_accounts(uow, cmd.company_id)
        bank = cmd.bank_account_id or accounts.bank
        if cmd.bank_account_id is not None:
            usable = await _check_accounts(uow, cmd.company_id, {"bank": bank})
            if not usable[bank]:
                raise DomainError.single(
                    ErrorCode.NOT_FOUND, "No such active account in this company.", "bankAccountId"
                )
        rate = await _rate(
            uow, cmd.company_id, supplier.currency_code, cmd.payment_date, "paymentDate"
        )
        base_currency = await company_currency(uow, cmd.company_id)
        revalued = await _carried_revaluations(
            uow, bills, {a.bill_id for a in cmd.allocations}, cmd.payment_date, "allocations"
        )
        now = utcnow()
        number = await uow.purchasing.next_number(cmd.company_id, "PAY")
        payment = SupplierPayment.make(
            supplier=supplier,
            number=f"PAY-{number:06d}",
            payment_date=cmd.payment_date,
            exchange_rate=rate,
            amount=cmd.amount,
            bank_account_id=bank,
            reference=cmd.reference,
            allocations=cmd.allocations,
            bills=bills,
            base_currency=base_currency,
            actor=origin.user_id,
            now=now,
            revalued=revalued,
        )
        lines, change, _fx = payment_entry(
            payment,
            base_currency=base_currency,
            accounts=accounts,
            bill_numbers={b.id: b.number for b in bills.values()},
        )
        await uow.suppliers.change_balance(supplier.id, change)
        entry = await post_entry_within(
            uow,
            origin,
            company_id=cmd.company_id,
            transaction_date=cmd.payment_date,
            lines=lines,
            reference=payment.number,
            description=f"Payment {payment.number} to {supplier.name}",
            date_field="paymentDate",
        )
        payment.journal_entry_id = entry.id
        await uow.purchasing.add_payment(payment)
        if key is not None:
            await uow.purchasing.complete_request(cmd.company_id, key, payment.id)
        for allocation in payment.allocations:
            await uow.purchasing.save_bill(bills[allocation.bill_id])
        uow.record(payment.events)
        await uow.commit()
    return payment


async def apply_supplier_advance(
    cmd: ApplySupplierAdvance,
    uow: PurchasingUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
) -> SupplierPayment:
    async with uow:
        bill = await uow.purchasing.bill(cmd.bill_id, for_update=True)
        if bill is None or not grants.can_enter(bill.company_id):
            raise NotFound("Bill", "billId")
        grants.check(
            "payment",
            "create",
            company_id=bill.company_id,
            facts=RecordFacts(owner_id=origin.user_id, amount=cmd.amount),
        )
        supplier = await _require_supplier(uow, bill.supplier_id, bill.company_id)
        accounts = await resolve_accounts(uow, bill.company_id)
        base_currency = await company_currency(uow, bill.company_id)
        number = await uow.purchasing.next_number(bill.company_id, "PAY")
        available = await uow.suppliers.balance_for_update(supplier.id)
        revalued = await _carried_revaluations(uow, {bill.id: bill}, {bill.id}, cmd.day, "date")
        applied = SupplierPayment.apply_advance(
            supplier=supplier,
            bill=bill,
            number=f"PAY-{number:06d}",
            day=cmd.day,
            amount=cmd.amount,
            available=available,
            advances_account_id=accounts.advances,
            base_currency=base_currency,
            actor=origin.user_id,
            now=utcnow(),
            revalued=revalued.get(bill.id, ZERO),
        )
        lines, change, _fx = payment_entry(
            applied,
            base_currency=base_currency,
            accounts=accounts,
            bill_numbers={bill.id: bill.number},
        )
        # the advances line's base
        released = base_amount(applied.amount, applied.exchange_rate, base_currency)
        await uow.suppliers.change_balance(
            supplier.id,
            BalanceChange(
                payable=change.payable,
                base_payable=change.base_payable,
                advance=-applied.amount,
                base_advance=-released,
            ),
        )
        entry = await post_entry_within(
            uow,
            origin,
            company_id=bill.company_id,
            transaction_date=cmd.day,
            lines=lines,
            reference=applied.number,
            description=f"Advance applied to bill {bill.number}",
            date_field="date",
        )
        applied.journal_entry_id = entry.id
        await uow.purchasing.add_payment(applied)
        await uow.purchasing.save_bill(bill)
        uow.record(applied.events)
        await uow.commit()
    return applied


async def issue_supplier_credit(
    cmd: IssueSupplierCredit,
    uow: PurchasingUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
) -> SupplierCredit:
    async with uow:
        bill = await uow.purchasing.bill(cmd.bill_id, for_update=True)
        if bill is None or not grants.can_enter(bill.company_id):
            raise NotFound("Bill", "billId")
        grants.check("purchase", "create", company_id=bill.company_id)
        matched = {line.receipt_line_id for line in bill.lines if line.receipt_line_id}
        receipt_lines = await uow.purchasing.receipt_lines(matched)
        products = await uow.products.get_many(
            {received.product_id for _receipt, received in receipt_lines.values()}
        )
        stocked = {  # receipt line -> its warehouse, for goods that went into stock
            line_id: received.warehouse_id
            for line_id, (_receipt, received) in receipt_lines.items()
            if (p := products.get(received.product_id)) is not None and p.is_stocked
        }
        base_currency = await company_currency(uow, bill.company_id)
        accounts = await resolve_accounts(uow, bill.company_id)
        # AP leaves at the bill's carrying amount on the credit date; dated before a
        # revaluation that restated the bill, the credit is refused.
        revalued = await _carried_revaluations(
            uow, {bill.id: bill}, {bill.id}, cmd.credit_date, "creditDate"
        )
        now = utcnow()
        number = await uow.purchasing.next_number(bill.company_id, "SC")
        credit = SupplierCredit.issue(
            bill=bill,
            number=f"SC-{number:06d}",
            credit_date=cmd.credit_date,
            reason=cmd.reason,
            lines=cmd.lines,
            credited_quantities=await uow.purchasing.credited_quantities(bill.id),
            receipt_warehouses=stocked,
            actor=origin.user_id,
            now=now,
            base_currency=base_currency,
            revalued=revalued.get(bill.id, ZERO),
        )
        lines, change = credit_entry(credit, bill, base_currency=base_currency, accounts=accounts)
        await uow.suppliers.change_balance(bill.supplier_id, change)
        returned = [
            (
                i,
                IssueLine(
                    product_id=c.product_id, warehouse_id=c.warehouse_id, quantity=c.quantity
                ),
            )
            for i, c in enumerate(credit.lines)
            if c.return_stock and c.product_id is not None and c.warehouse_id is not None
        ]
        if returned:
            try:
                await issue_within(
                    uow,
                    origin,
                    company_id=bill.company_id,
                    occurred_on=cmd.credit_date,
                    reason=f"Returned to supplier: credit {credit.number} (bill {bill.number})",
                    reference_type=CREDIT_REFERENCE,
                    reference_id=credit.id,
                    lines=[line for _i, line in returned],
                    counter_account_id=accounts.purchases,
                    field_prefix="returns",
                    date_field="creditDate",
                )
            except DomainError as exc:  # name the credit's own lines, e.g. goods already sold
                raise DomainError(
                    replace(e, field=_credit_line_field(e.field, [i for i, _line in returned]))
                    for e in exc.errors
                ) from None
        entry = await post_entry_within(
            uow,
            origin,
            company_id=bill.company_id,
            transaction_date=cmd.credit_date,
            lines=lines,
            reference=credit.number,
            description=f"Supplier credit {credit.number}",
            date_field="creditDate",
        )
        credit.journal_entry_id = entry.id
        await uow.purchasing.add_credit(credit)
        await uow.purchasing.save_bill(bill)
        uow.record(bill.events)
        uow.record(credit.events)
        await uow.commit()
    return credit
