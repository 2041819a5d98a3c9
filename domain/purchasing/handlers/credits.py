"""Purchasing handlers: supplier credits against posted bills."""

from __future__ import annotations

from dataclasses import replace

from domain.accounting.handlers import company_currency
from domain.accounting.posting import post_entry_within
from domain.identity.access import AccessGrants
from domain.inventory.stock import (
    IssueLine,
    issue_within,
)
from domain.purchasing.commands import (
    IssueSupplierCredit,
)
from domain.purchasing.handlers.steps import (
    CREDIT_REFERENCE,
    ZERO,
    _carried_revaluations,
    _credit_line_field,
    resolve_accounts,
)
from domain.purchasing.model import (
    SupplierCredit,
)
from domain.purchasing.ports import PurchasingUnitOfWork
from domain.purchasing.posting import (
    credit_entry,
)
from domain.shared.clock import utcnow
from domain.shared.errors import DomainError, NotFound
from domain.shared.events import EventOrigin


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
