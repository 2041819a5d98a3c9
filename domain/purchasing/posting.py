"""Posting rules: the journal lines a bill, a payment made or a supplier credit books, and the
change each makes to the supplier's balance. Pure functions; the handlers post the lines
through `domain.accounting.posting.post_entry_within` in the command's transaction.

- A bill: Cr Trade Payables (the total, in the bill's currency at the bill-date rate); Dr GRNI
  with the value its matched receipt lines booked to stock (cleared in proportion to the
  quantity billed, the last bill of a receipt line taking what is left, so GRNI clears to
  zero); Dr Purchases with the difference (price variance, tax on stock lines, FX between
  receipt and bill dates, rounding); Dr the chosen account for lines not matched to a receipt.
- A payment: Cr the bank account (the amount at the payment-date rate); Dr Trade Payables per
  bill at its carrying amount (its rate's value, the rest of it when settled in full, plus its
  revaluations in force: `domain.accounting.carrying`), so the AP booked is exactly cleared;
  Dr Advances to Suppliers with any unallocated part; the base-currency difference is realized
  FX: a loss (Dr 6800) when the payment cost more than the AP it cleared, else a gain (Cr 4920).
- A credit: Dr Trade Payables (the credit, at the bill's carrying amount as a payment
  relieves it); Cr the bill line's account (Purchases for lines matched to receipts) at the
  bill's rate; the difference (the bill's revaluations, or a rounding unit when it settles the
  rest) is realized FX. Goods sent back leave stock through the inventory seam, which books
  Dr Purchases / Cr Inventory at their cost.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal

from domain.accounting.conversion import allocate
from domain.accounting.model import LineInput, base_amount
from domain.purchasing.model import (
    ZERO,
    BalanceChange,
    Bill,
    GoodsReceipt,
    PurchasingAccounts,
    ReceiptLine,
    SupplierCredit,
    SupplierPayment,
)
from domain.shared.money import round4


def _in_currency(
    account_id: uuid.UUID,
    *,
    debit: Decimal | None = None,
    credit: Decimal | None = None,
    description: str,
    currency: str,
    base_currency: str,
    rate: Decimal,
) -> LineInput:
    """A line in the document's currency at `rate` (a base-currency document: plain base)."""
    foreign = currency != base_currency
    return LineInput(
        account_id=account_id,
        debit=debit,
        credit=credit,
        description=description,
        currency_code=currency if foreign else None,
        exchange_rate=rate if foreign else None,
    )


def _signed_lines(amounts: Mapping[uuid.UUID, Decimal], description: str) -> list[LineInput]:
    """Base-currency lines from signed amounts per account (> 0 debit, < 0 credit)."""
    out = []
    for account_id, amount in amounts.items():
        if amount > 0:
            out.append(LineInput(account_id=account_id, debit=amount, description=description))
        elif amount < 0:
            out.append(LineInput(account_id=account_id, credit=-amount, description=description))
    return out


def clear_goods_received(
    bill: Bill, receipt_lines: Mapping[uuid.UUID, tuple[GoodsReceipt, ReceiptLine]]
) -> dict[uuid.UUID, Decimal]:
    """Per bill line matched to a receipt, the GRNI value it clears; marks the receipt lines
    billed (the caller saves them)."""
    cleared: dict[uuid.UUID, Decimal] = {}
    for line in bill.lines:
        if line.receipt_line_id is None:
            continue
        received = receipt_lines[line.receipt_line_id][1]
        billed_after = received.billed_quantity + line.quantity
        if billed_after >= received.quantity:
            value = received.value - received.billed_value  # the last bill takes what is left
        else:
            value = round4(received.value * line.quantity / received.quantity)
        received.billed_quantity = billed_after
        received.billed_value += value
        cleared[line.id] = value
    return cleared


def bill_entry(
    bill: Bill,
    *,
    base_currency: str,
    accounts: PurchasingAccounts,
    cleared: Mapping[uuid.UUID, Decimal],
) -> tuple[list[LineInput], BalanceChange]:
    rate = bill.exchange_rate
    assert rate is not None and bill.base_total is not None
    label = f"Bill {bill.number}"
    if bill.supplier_reference:
        label += f" ({bill.supplier_reference})"
    debits: dict[uuid.UUID, Decimal] = {}

    def add(account_id: uuid.UUID, amount: Decimal) -> None:
        debits[account_id] = debits.get(account_id, ZERO) + amount

    # Each line's base value in whole minor units, together exactly the AP booked.
    line_bases = allocate(
        {line.id: line.amount + line.tax_amount for line in bill.lines},
        rate,
        bill.base_total,
        base_currency,
    )
    for line in bill.lines:
        line_base = line_bases[line.id]
        if line.receipt_line_id is not None:
            add(accounts.goods_received, cleared[line.id])
            add(accounts.purchases, line_base - cleared[line.id])
        else:
            assert line.account_id is not None
            add(line.account_id, line_base)
    payable = _in_currency(
        accounts.payable,
        credit=bill.total,
        description=label,
        currency=bill.currency_code,
        base_currency=base_currency,
        rate=rate,
    )
    change = BalanceChange(payable=bill.total, base_payable=bill.base_total)
    return [*_signed_lines(debits, label), payable], change


def payment_entry(
    payment: SupplierPayment,
    *,
    base_currency: str,
    accounts: PurchasingAccounts,
    bill_numbers: Mapping[uuid.UUID, str | None],
) -> tuple[list[LineInput], BalanceChange, Decimal]:
    """The lines, the balance change and the realized FX (> 0 loss, < 0 gain, base)."""
    currency, rate = payment.currency_code, payment.exchange_rate
    label = f"Payment {payment.number}"
    lines = [
        _in_currency(
            payment.bank_account_id,
            credit=payment.amount,
            description=label,
            currency=currency,
            base_currency=base_currency,
            rate=rate,
        )
    ]
    for a in payment.allocations:
        line = _in_currency(
            accounts.payable,
            debit=a.amount,
            description=f"{label}: bill {bill_numbers.get(a.bill_id) or a.bill_id}",
            currency=currency,
            base_currency=base_currency,
            rate=a.bill_rate,
        )
        # AP relieved at the bill's carrying amount, exactly what the allocation cleared.
        foreign = currency != base_currency and a.base_cleared > 0
        lines.append(replace(line, booked_base=a.base_cleared) if foreign else line)
    base_advance = base_amount(payment.unallocated, rate, base_currency)
    if payment.unallocated > 0:
        lines.append(
            _in_currency(
                accounts.advances,
                debit=payment.unallocated,
                description=f"{label}: advance",
                currency=currency,
                base_currency=base_currency,
                rate=rate,
            )
        )
    base_cleared = sum((a.base_cleared for a in payment.allocations), ZERO)
    fx = base_amount(payment.amount, rate, base_currency) - base_cleared - base_advance
    if fx > 0:
        lines.append(
            LineInput(account_id=accounts.fx_loss, debit=fx, description=f"{label}: FX loss")
        )
    elif fx < 0:
        lines.append(
            LineInput(account_id=accounts.fx_gain, credit=-fx, description=f"{label}: FX gain")
        )
    change = BalanceChange(
        payable=-sum((a.amount for a in payment.allocations), ZERO),
        base_payable=-base_cleared,
        advance=payment.unallocated,
        base_advance=base_advance,
    )
    return lines, change, fx


def credit_entry(
    credit: SupplierCredit,
    bill: Bill,
    *,
    base_currency: str,
    accounts: PurchasingAccounts,
) -> tuple[list[LineInput], BalanceChange]:
    rate = credit.exchange_rate
    label = f"Supplier credit {credit.number} (bill {bill.number})"
    base_total = base_amount(credit.total, rate, base_currency)
    by_line = {line.id: line for line in bill.lines}
    line_bases = allocate(
        {i: c.amount + c.tax_amount for i, c in enumerate(credit.lines)},
        rate,
        base_total,
        base_currency,
    )
    credits: dict[uuid.UUID, Decimal] = {}
    for i, c in enumerate(credit.lines):
        billed = by_line[c.bill_line_id]
        account = billed.account_id or accounts.purchases
        credits[account] = credits.get(account, ZERO) - line_bases[i]
    payable = _in_currency(
        accounts.payable,
        debit=credit.total,
        description=label,
        currency=credit.currency_code,
        base_currency=base_currency,
        rate=rate,
    )
    relieved = credit.base_relieved
    if credit.currency_code != base_currency and relieved > 0:
        payable = replace(payable, booked_base=relieved)  # AP leaves at what it carries
    lines = [payable, *_signed_lines(credits, label)]
    # Relieving more AP than the expense reversed is a gain: the bill cost less than carried.
    fx = relieved - base_total
    if fx > 0:
        lines.append(
            LineInput(account_id=accounts.fx_gain, credit=fx, description=f"{label}: FX gain")
        )
    elif fx < 0:
        lines.append(
            LineInput(account_id=accounts.fx_loss, debit=-fx, description=f"{label}: FX loss")
        )
    change = BalanceChange(payable=-credit.total, base_payable=-relieved)
    return lines, change
