"""Purchasing handlers: supplier bills, matched to orders and receipts; posting, voiding."""

from __future__ import annotations

from domain.accounting.handlers import company_currency
from domain.accounting.posting import post_entry_within
from domain.identity.access import AccessGrants, RecordFacts
from domain.purchasing.commands import (
    CreateBill,
    PostBill,
    VoidBill,
)
from domain.purchasing.handlers.steps import (
    _check_accounts,
    _enter,
    _rate,
    _require_supplier,
    resolve_accounts,
)
from domain.purchasing.model import (
    Bill,
)
from domain.purchasing.ports import PurchasingUnitOfWork
from domain.purchasing.posting import (
    bill_entry,
    clear_goods_received,
)
from domain.shared.clock import utcnow
from domain.shared.errors import NotFound
from domain.shared.events import EventOrigin


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
