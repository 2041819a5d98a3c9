"""Sales handlers: credit notes (returns, allowances, settlement) and debit notes."""

from __future__ import annotations

from decimal import Decimal

from domain.accounting.handlers import company_currency
from domain.accounting.model import base_amount
from domain.accounting.posting import post_entry_within
from domain.identity.access import AccessGrants
from domain.inventory.stock import (
    ReceiptLine,
    receive_within,
)
from domain.sales.commands import (
    CreateCreditNote,
    CreateDebitNote,
)
from domain.sales.handlers.payments import _carried_revaluations
from domain.sales.handlers.steps import (
    _copy_line,
    _customer,
    _document,
    _priced_items,
    _products_of,
    _stock_errors,
    _today,
)
from domain.sales.model import (
    ZERO,
    AccountRole,
    DocumentKind,
    DocumentStatus,
    SalesDocument,
    SalesLine,
    credit_note_entry_lines,
    due_date_for,
    format_number,
    invoice_entry_lines,
)
from domain.sales.ports import SalesUnitOfWork
from domain.shared.clock import utcnow
from domain.shared.errors import (
    DomainError,
    ErrorCode,
    ValidationErrors,
)
from domain.shared.events import EventOrigin

_BILLED = (DocumentStatus.POSTED, DocumentStatus.PARTIALLY_PAID, DocumentStatus.PAID)


async def create_credit_note(
    cmd: CreateCreditNote, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> SalesDocument:
    """Credit (part of) a posted invoice: revenue and tax reversed, the invoice's amount due
    reduced (any excess becomes the customer's advance) and, with `return_stock`, the goods
    back in their warehouse at the cost they left with."""
    async with uow:
        found = await _document(
            uow, grants, cmd.invoice_id, [DocumentKind.INVOICE], what="Invoice", field="invoiceId"
        )
        company = found.company_id
        grants.check("invoice", "post", company_id=company)
        invoice = await uow.sales_documents.get(cmd.invoice_id, for_update=True)
        assert invoice is not None
        if invoice.status not in _BILLED:
            raise DomainError.single(
                ErrorCode.INVALID_STATE,
                f"The invoice is {invoice.status.value}: only a posted invoice can be credited.",
                "invoiceId",
            )
        customer = await _customer(uow, grants, invoice.customer_id)
        await _products_of(uow, invoice.lines)
        by_number = {line.line_number: line for line in invoice.lines}
        errors = ValidationErrors()
        if not cmd.lines:
            errors.add("lines", "A credit note needs at least one line.", ErrorCode.REQUIRED)
        credited: list[tuple[SalesLine, Decimal, Decimal | None]] = []
        seen: dict[int, Decimal] = {}
        for i, requested in enumerate(cmd.lines):
            line = by_number.get(requested.line_number)
            if line is None:
                errors.add(
                    f"lines.{i}.lineNumber", "No such line on the invoice.", ErrorCode.NOT_FOUND
                )
                continue
            seen[line.line_number] = seen.get(line.line_number, ZERO) + requested.quantity
            if requested.quantity <= 0:
                errors.add(f"lines.{i}.quantity", "The quantity must be greater than zero.")
            elif seen[line.line_number] > line.open_quantity:
                errors.add(
                    f"lines.{i}.quantity",
                    f"Only {line.open_quantity} of line {line.line_number} is left to credit: a "
                    "credit note cannot exceed its invoice.",
                )
            if (
                requested.unit_price is not None
                and not ZERO <= requested.unit_price <= line.unit_price
            ):
                errors.add(
                    f"lines.{i}.unitPrice",
                    "A credited price is between 0 and the invoiced price.",
                )
            credited.append((line, requested.quantity, requested.unit_price))
        errors.raise_if_any()
        rounding = await uow.tax_codes.rounding(company)
        lines = [
            _copy_line(
                line,
                line_number=n,
                quantity=q,
                currency=invoice.currency_code,
                rounding=rounding,
                unit_price=p,
            )
            for n, (line, q, p) in enumerate(credited, start=1)
        ]
        issue = _today(cmd.issue_date)
        now = utcnow()
        note = SalesDocument.new(
            kind=DocumentKind.CREDIT_NOTE,
            company_id=company,
            customer=customer,
            issue_date=max(issue, invoice.issue_date),
            due_date=None,
            currency_code=invoice.currency_code,
            exchange_rate=invoice.exchange_rate,  # the receivable is relieved at its own rate
            lines=lines,
            status=DocumentStatus.DRAFT,
            actor=origin.user_id,
            now=now,
            source_id=invoice.id,
            reference=invoice.number,
            notes=cmd.reason,
            base_currency=await company_currency(uow, company),
        )
        if note.total > invoice.total - invoice.amount_credited:
            raise DomainError.single(
                ErrorCode.INVALID,
                "A credit note cannot exceed what is left of its invoice.",
                "lines",
            )
        applied = min(note.total, invoice.amount_due)  # the rest is the customer's advance
        # The receivable it relieves carries the invoice's revaluations in force on its date;
        # dated before a revaluation that restated the invoice, it is refused.
        revalued = await _carried_revaluations(
            uow,
            {invoice.id: invoice},
            [invoice.id] if applied > 0 else [],
            note.issue_date,
            "issueDate",
        )
        number = await uow.sales_documents.next_number(company, DocumentKind.CREDIT_NOTE.value)
        note.number = format_number(DocumentKind.CREDIT_NOTE.prefix, number)
        if cmd.return_stock:
            returning = [
                (line, q, source)
                for line, (source, q, _) in zip(lines, credited, strict=True)
                if source.is_stocked and source.warehouse_id is not None and source.product_id
            ]
            if returning:
                accounts_for_cogs = await uow.sales_documents.accounts(company)
                try:
                    moved = await receive_within(
                        uow,
                        origin,
                        company_id=company,
                        occurred_on=note.issue_date,
                        reason=f"Credit note {note.number}",
                        reference_type=DocumentKind.CREDIT_NOTE.value,
                        reference_id=note.id,
                        lines=[
                            ReceiptLine(
                                product_id=source.product_id,  # type: ignore[arg-type]
                                warehouse_id=source.warehouse_id,  # type: ignore[arg-type]
                                quantity=q,
                                unit_cost=(source.cost_amount / source.quantity).quantize(
                                    Decimal("0.0001")
                                ),
                            )
                            for _, q, source in returning
                        ],
                        counter_account_id=accounts_for_cogs[AccountRole.COGS],
                        field_prefix="stock",
                        date_field="issueDate",
                    )
                except DomainError as exc:
                    raise _stock_errors(
                        exc, "lines", [x.line_number for x, _, _ in returning]
                    ) from None
                for (line, _, _), result in zip(returning, moved, strict=True):
                    line.cost_amount = result.value
                    line.stock_movement_id = result.movement_id
        accounts = await uow.sales_documents.accounts(company)
        base = await company_currency(uow, company)
        # What the applied part is worth at the invoice's rate (revenue and tax go back at
        # it) and what the receivable carries for it; the difference is realized FX.
        applied_base = (
            note.base_total
            if applied == note.total
            else min(base_amount(applied, note.exchange_rate, base), note.base_total)
        )
        relieved = (
            invoice.relieve_base(applied, base, revalued.get(invoice.id, ZERO))
            if applied > 0
            else ZERO
        )
        entry = await post_entry_within(
            uow,
            origin,
            company_id=company,
            transaction_date=note.issue_date,
            lines=credit_note_entry_lines(
                note,
                accounts,
                base,
                applied=applied,
                applied_base=applied_base,
                relieved=relieved,
            ),
            reference=note.number,
            description=f"Credit note {note.number} on {invoice.number}",
            date_field="issueDate",
        )
        note.status = DocumentStatus.POSTED
        note.journal_entry_id = entry.id
        note.posted_at = now
        note.base_settled = relieved  # the receivable it relieved (aging as of a date)
        previous = invoice.version
        for source, q, _ in credited:
            source.fulfilled_quantity += q
        if applied > 0:
            invoice.settle(credited=applied, base=relieved, actor=origin.user_id, now=now)
        else:
            invoice.touch(origin.user_id, now)
        await uow.sales_documents.save(invoice, previous_version=previous)
        await uow.sales_documents.add(note)
        note.record_posted(now, advance=note.base_total - applied_base, relieved=relieved)
        uow.record(invoice.events)
        uow.record(note.events)
        await uow.commit()
    return note


async def create_debit_note(
    cmd: CreateDebitNote, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> SalesDocument:
    """An extra charge on a posted invoice (its currency and rate): a receivable of its own."""
    async with uow:
        found = await _document(
            uow, grants, cmd.invoice_id, [DocumentKind.INVOICE], what="Invoice", field="invoiceId"
        )
        company = found.company_id
        grants.check("invoice", "post", company_id=company)
        if found.status not in _BILLED:
            raise DomainError.single(
                ErrorCode.INVALID_STATE,
                f"The invoice is {found.status.value}: only a posted invoice takes a debit note.",
                "invoiceId",
            )
        customer = await _customer(uow, grants, found.customer_id)
        accounts = await uow.sales_documents.accounts(company)
        base = await company_currency(uow, company)
        lines = await _priced_items(
            uow,
            company,
            found.currency_code,
            cmd.items,
            accounts=accounts,
            warehouse_id=None,
            require_warehouse=False,
        )
        for line in lines:
            line.is_stocked = False  # a charge: no goods move
            line.warehouse_id = None
        issue = max(_today(cmd.issue_date), found.issue_date)
        now = utcnow()
        note = SalesDocument.new(
            kind=DocumentKind.DEBIT_NOTE,
            company_id=company,
            customer=customer,
            issue_date=issue,
            due_date=due_date_for(issue, cmd.due_date, customer.payment_terms_days),
            currency_code=found.currency_code,
            exchange_rate=found.exchange_rate,
            lines=lines,
            status=DocumentStatus.DRAFT,
            actor=origin.user_id,
            now=now,
            source_id=found.id,
            reference=found.number,
            notes=cmd.reason,
            base_currency=base,
        )
        number = format_number(
            DocumentKind.DEBIT_NOTE.prefix,
            await uow.sales_documents.next_number(company, DocumentKind.DEBIT_NOTE.value),
        )
        entry = await post_entry_within(
            uow,
            origin,
            company_id=company,
            transaction_date=issue,
            lines=invoice_entry_lines(note, accounts, base),
            reference=number,
            description=f"Debit note {number} on {found.number}",
            date_field="issueDate",
        )
        note.post(
            number=number,
            journal_entry_id=entry.id,
            stock_entry_id=None,
            actor=origin.user_id,
            now=now,
        )
        note.record_posted(now)
        await uow.sales_documents.add(note)
        uow.record(note.events)
        await uow.commit()
    return note
