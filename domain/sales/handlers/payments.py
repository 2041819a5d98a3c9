"""Sales handlers: receiving, allocating and refunding customer payments."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from domain.accounting.carrying import shares_in_force
from domain.accounting.handlers import company_currency
from domain.accounting.model import LineInput, base_amount
from domain.accounting.posting import post_entry_within
from domain.identity.access import AccessGrants
from domain.sales.commands import (
    AllocatePayment,
    ReceivePayment,
    RefundPayment,
)
from domain.sales.events import PAYMENT_ALLOCATED, PAYMENT_RECEIVED, PAYMENT_REFUNDED
from domain.sales.handlers.steps import (
    _bank_account,
    _currency,
    _customer,
    _rate,
    _replayed_payment,
    _today,
)
from domain.sales.model import (
    MAX_ALLOCATIONS,
    ZERO,
    AccountRole,
    Allocation,
    AllocationInput,
    CustomerPayment,
    DocumentStatus,
    PaymentKind,
    SalesAccounts,
    SalesDocument,
    check_amount,
    format_number,
    fx_line,
    idempotency_key,
    money_line,
    settlement_credit,
)
from domain.sales.ports import SalesUnitOfWork
from domain.shared.clock import utcnow
from domain.shared.errors import (
    DomainError,
    ErrorCode,
    NotFound,
    ValidationErrors,
)
from domain.shared.events import EventOrigin


async def _allocate(
    uow: SalesUnitOfWork,
    payment: CustomerPayment,
    requested: Sequence[AllocationInput],
    *,
    available: Decimal,
    day: date,
    accounts: SalesAccounts,
    base_currency: str,
    actor: uuid.UUID,
) -> tuple[list[LineInput], Decimal]:
    """Settle invoices from `payment` (at most `available` of it). Returns the receivable
    credit lines and the base receivable relieved (each allocation keeps its realized FX: its
    value at the payment's rate less what it relieved)."""
    errors = ValidationErrors()
    if len(requested) > MAX_ALLOCATIONS:
        errors.add("allocations", f"At most {MAX_ALLOCATIONS} allocations per payment.")
    errors.raise_if_any()
    for i, allocation in enumerate(requested):
        try:
            check_amount(allocation.amount, f"allocations.{i}.amount")
        except DomainError as exc:
            for problem in exc.errors:
                errors.add(problem.field or "allocations", problem.message, problem.code)
    errors.raise_if_any()
    documents = await uow.sales_documents.get_many_for_update({a.invoice_id for a in requested})
    wanted: dict[uuid.UUID, Decimal] = {}
    for i, allocation in enumerate(requested):
        document = documents.get(allocation.invoice_id)
        at = f"allocations.{i}"
        if (
            document is None
            or document.company_id != payment.company_id
            or document.customer_id != payment.customer_id
            or not document.kind.receivable
        ):
            errors.add(f"{at}.invoiceId", "No such invoice of this customer.", ErrorCode.NOT_FOUND)
            continue
        if document.status not in (DocumentStatus.POSTED, DocumentStatus.PARTIALLY_PAID):
            errors.add(
                f"{at}.invoiceId",
                f"{document.number or 'The invoice'} is {document.status.value}: nothing is due.",
                ErrorCode.INVALID_STATE,
            )
            continue
        if document.currency_code != payment.currency_code:
            errors.add(
                f"{at}.invoiceId",
                f"{document.number} is in {document.currency_code}; this payment is in "
                f"{payment.currency_code}.",
            )
            continue
        wanted[document.id] = wanted.get(document.id, ZERO) + allocation.amount
        if wanted[document.id] > document.amount_due:
            errors.add(
                f"{at}.amount",
                f"Only {document.amount_due} {document.currency_code} is due on "
                f"{document.number}: that would over-allocate the payment.",
            )
    total = sum((a.amount for a in requested), ZERO)
    if total > available:
        errors.add(
            "allocations",
            f"The allocations ({total}) exceed the {available} {payment.currency_code} available.",
        )
    errors.raise_if_any()
    revalued = await _carried_revaluations(uow, documents, wanted, day, "allocations")
    lines: list[LineInput] = []
    relieved_total = ZERO
    now = utcnow()
    foreign = payment.currency_code != base_currency
    for invoice_id in sorted(wanted, key=str):
        document = documents[invoice_id]
        amount = wanted[invoice_id]
        relieved = document.relieve_base(amount, base_currency, revalued.get(invoice_id, ZERO))
        valued = base_amount(amount, payment.exchange_rate, base_currency)
        previous = document.version
        document.settle(paid=amount, base=relieved, actor=actor, now=now)
        await uow.sales_documents.save(document, previous_version=previous)
        uow.record(document.events)
        lines += settlement_credit(
            accounts[AccountRole.RECEIVABLE], amount, relieved, document, foreign
        )
        payment.allocations.append(
            Allocation(
                id=uuid.uuid4(),
                payment_id=payment.id,
                invoice_id=invoice_id,
                allocation_date=day,
                amount=amount,
                base_amount=relieved,
                fx_difference=valued - relieved,
            )
        )
        payment.allocated_amount += amount
        relieved_total += relieved
    return lines, relieved_total


async def _carried_revaluations(
    uow: SalesUnitOfWork,
    documents: Mapping[uuid.UUID, SalesDocument],
    settling: Collection[uuid.UUID],
    day: date,
    field: str,
) -> dict[uuid.UUID, Decimal]:
    """The revaluation shares of the invoices settled on `day` (see `shares_in_force`)."""
    names = {i: d.number or "The document" for i, d in documents.items()}
    return await shares_in_force(uow.rates, names, settling, day, field)


async def receive_payment(
    cmd: ReceivePayment, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> CustomerPayment:
    """Money in from a customer: allocated to invoices (partially or in full); what is left
    over is the customer's advance (2130). Realized FX on foreign invoices to 4920/6800."""
    async with uow:
        customer = await _customer(uow, grants, cmd.customer_id)
        company = customer.company_id
        grants.check("payment", "create", company_id=company)
        key = idempotency_key(cmd.idempotency_key)
        if key is not None:
            prior = await uow.sales_documents.claim_request(
                company, "receivePayment", key, cmd.fingerprint()
            )
            if prior is not None:
                return await _replayed_payment(uow, prior, cmd.fingerprint())
        check_amount(cmd.amount, "amount")
        base = await company_currency(uow, company)
        currency = _currency(cmd.currency_code, customer)
        day = _today(cmd.payment_date)
        await _bank_account(uow, company, cmd.bank_account_id, "bankAccountId")
        rate = await _rate(uow, company, base, currency, day, "paymentDate")
        accounts = await uow.sales_documents.accounts(company)
        now = utcnow()
        payment = CustomerPayment(
            id=uuid.uuid4(),
            company_id=company,
            customer_id=customer.id,
            kind=PaymentKind.RECEIPT,
            number="",
            payment_date=day,
            currency_code=currency,
            exchange_rate=rate,
            amount=cmd.amount,
            bank_account_id=cmd.bank_account_id,
            reference=cmd.reference,
            notes=cmd.notes,
            created_at=now,
            created_by=origin.user_id,
        )
        credit_lines, relieved = await _allocate(
            uow,
            payment,
            cmd.allocations,
            available=cmd.amount,
            day=day,
            accounts=accounts,
            base_currency=base,
            actor=origin.user_id,
        )
        sequence = await uow.sales_documents.next_number(company, PaymentKind.RECEIPT.value)
        payment.number = format_number(PaymentKind.RECEIPT.prefix, sequence)
        unallocated = payment.unallocated
        advance_base = base_amount(unallocated, rate, base)
        bank_base = base_amount(cmd.amount, rate, base)
        lines = [money_line(cmd.bank_account_id, cmd.amount, currency, rate, base, "debit")]
        lines += credit_lines
        if unallocated > 0:
            lines.append(
                money_line(
                    accounts[AccountRole.ADVANCES], unallocated, currency, rate, base, "credit"
                )
            )
        lines += fx_line(accounts, bank_base - relieved - advance_base)
        entry = await post_entry_within(
            uow,
            origin,
            company_id=company,
            transaction_date=day,
            lines=lines,
            reference=payment.number,
            description=f"Payment {payment.number} from {customer.name}"[:1000],
            date_field="paymentDate",
        )
        payment.journal_entry_id = entry.id
        payment.record(PAYMENT_RECEIVED, now, receivable=-relieved, advance=advance_base)
        await uow.customer_payments.add(payment)
        if key is not None:
            await uow.sales_documents.complete_request(company, "receivePayment", key, payment.id)
        uow.record(payment.events)
        await uow.commit()
    return payment


async def allocate_payment(
    cmd: AllocatePayment, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> CustomerPayment:
    """Apply a payment's unallocated amount (the customer's advance) to invoices."""
    async with uow:
        found = await uow.customer_payments.get(cmd.payment_id)
        if (
            found is None
            or not grants.can_enter(found.company_id)
            or found.kind is not PaymentKind.RECEIPT
        ):
            raise NotFound("Payment", "paymentId")
        company = found.company_id
        grants.check("payment", "create", company_id=company)
        payment = await uow.customer_payments.get(cmd.payment_id, for_update=True)
        assert payment is not None
        if not cmd.allocations:
            raise DomainError.single(ErrorCode.REQUIRED, "Nothing to allocate.", "allocations")
        base = await company_currency(uow, company)
        accounts = await uow.sales_documents.accounts(company)
        day = max(_today(cmd.allocation_date), payment.payment_date)
        previous = payment.version
        already = len(payment.allocations)
        credit_lines, relieved = await _allocate(
            uow,
            payment,
            cmd.allocations,
            available=payment.unallocated,
            day=day,
            accounts=accounts,
            base_currency=base,
            actor=origin.user_id,
        )
        allocated = sum((a.amount for a in payment.allocations[already:]), ZERO)
        # The advance is released at the payment's rate as one amount (its base is what the
        # line books); FX is whatever separates it from the receivable relieved.
        released = base_amount(allocated, payment.exchange_rate, base)
        lines = [
            money_line(
                accounts[AccountRole.ADVANCES],
                allocated,
                payment.currency_code,
                payment.exchange_rate,
                base,
                "debit",
            ),
            *credit_lines,
            *fx_line(accounts, released - relieved),
        ]
        entry = await post_entry_within(
            uow,
            origin,
            company_id=company,
            transaction_date=day,
            lines=lines,
            reference=payment.number,
            description=f"Advance {payment.number} applied",
            date_field="allocationDate",
        )
        payment.allocations[already:] = [
            replace(a, journal_entry_id=entry.id) for a in payment.allocations[already:]
        ]
        payment.version += 1
        now = utcnow()
        payment.record(PAYMENT_ALLOCATED, now, receivable=-relieved, advance=-released)
        await uow.customer_payments.save(payment, previous_version=previous)
        uow.record(payment.events)
        await uow.commit()
    return payment


async def refund_payment(
    cmd: RefundPayment, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> CustomerPayment:
    """Pay back (part of) a payment's unallocated amount: Dr advances / Cr bank, with realized
    FX between the payment's and the refund's rate. Returns the refund."""
    async with uow:
        found = await uow.customer_payments.get(cmd.payment_id)
        if (
            found is None
            or not grants.can_enter(found.company_id)
            or found.kind is not PaymentKind.RECEIPT
        ):
            raise NotFound("Payment", "paymentId")
        company = found.company_id
        grants.check("payment", "create", company_id=company)
        check_amount(cmd.amount, "amount")
        payment = await uow.customer_payments.get(cmd.payment_id, for_update=True)
        assert payment is not None
        if cmd.amount > payment.unallocated:
            raise DomainError.single(
                ErrorCode.INVALID,
                f"Only {payment.unallocated} {payment.currency_code} of {payment.number} is "
                "unallocated and can be refunded.",
                "amount",
            )
        base = await company_currency(uow, company)
        bank = cmd.bank_account_id or payment.bank_account_id
        await _bank_account(uow, company, bank, "bankAccountId")
        day = max(_today(cmd.refund_date), payment.payment_date)
        rate = await _rate(uow, company, base, payment.currency_code, day, "refundDate")
        accounts = await uow.sales_documents.accounts(company)
        now = utcnow()
        refund = CustomerPayment(
            id=uuid.uuid4(),
            company_id=company,
            customer_id=payment.customer_id,
            kind=PaymentKind.REFUND,
            number=format_number(
                PaymentKind.REFUND.prefix,
                await uow.sales_documents.next_number(company, PaymentKind.REFUND.value),
            ),
            payment_date=day,
            currency_code=payment.currency_code,
            exchange_rate=rate,
            amount=cmd.amount,
            bank_account_id=bank,
            reference=cmd.reference or payment.number,
            notes=None,
            created_at=now,
            created_by=origin.user_id,
        )
        advance_base = base_amount(cmd.amount, payment.exchange_rate, base)
        paid_base = base_amount(cmd.amount, rate, base)
        lines = [
            money_line(
                accounts[AccountRole.ADVANCES],
                cmd.amount,
                payment.currency_code,
                payment.exchange_rate,
                base,
                "debit",
            ),
            money_line(bank, cmd.amount, payment.currency_code, rate, base, "credit"),
            *fx_line(accounts, advance_base - paid_base),
        ]
        entry = await post_entry_within(
            uow,
            origin,
            company_id=company,
            transaction_date=day,
            lines=lines,
            reference=refund.number,
            description=f"Refund {refund.number} of {payment.number}",
            date_field="refundDate",
        )
        refund.journal_entry_id = entry.id
        previous = payment.version
        payment.refunded_amount += cmd.amount
        payment.version += 1
        await uow.customer_payments.save(payment, previous_version=previous)
        refund.record(PAYMENT_REFUNDED, now, receivable=ZERO, advance=-advance_base)
        await uow.customer_payments.add(refund)
        uow.record(refund.events)
        await uow.commit()
    return refund
