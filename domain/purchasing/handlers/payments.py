"""Purchasing handlers: payments made to suppliers, and applying a supplier advance to bills."""

from __future__ import annotations

from domain.accounting.handlers import company_currency
from domain.accounting.model import base_amount
from domain.accounting.posting import post_entry_within
from domain.identity.access import AccessGrants, RecordFacts
from domain.purchasing.commands import (
    IDEMPOTENCY_KEY_MAX,
    ApplySupplierAdvance,
    MakeSupplierPayment,
)
from domain.purchasing.handlers.steps import (
    ZERO,
    _carried_revaluations,
    _check_accounts,
    _enter,
    _rate,
    _replay,
    _require_supplier,
    resolve_accounts,
)
from domain.purchasing.model import (
    BalanceChange,
    SupplierPayment,
)
from domain.purchasing.ports import PurchasingUnitOfWork
from domain.purchasing.posting import (
    payment_entry,
)
from domain.shared.clock import utcnow
from domain.shared.errors import DomainError, ErrorCode, NotFound
from domain.shared.events import EventOrigin


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
