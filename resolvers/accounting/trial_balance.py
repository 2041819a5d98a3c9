"""The trial balance as the API shows it, computed in one place for the trialBalance query and
the trialBalanceChanged subscription (which pushes exactly what the query returns)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import strawberry

from db.readmodels.accounting import trial_balance
from domain.accounting.model import AMOUNT_QUANTUM
from schema.accounting.types import Account, TrialBalance, TrialBalanceLine
from schema.scalars import Money

ZERO = Decimal(0)


def _money(value: Decimal) -> Money:
    return Money(value.quantize(AMOUNT_QUANTUM))


async def trial_balance_report(
    info: strawberry.Info, company: uuid.UUID, as_of: date
) -> TrialBalance | None:
    """The company's trial balance as of `as_of`, or None if it has no books. The caller has
    already decided the company may be shown."""
    currency, rows = await trial_balance(info.context.tenant_engine, company, as_of)
    if currency is None:
        return None
    lines = []
    total_debit = total_credit = ZERO
    for r in rows:
        net = r.debit - r.credit
        debit, credit = (net, ZERO) if net >= 0 else (ZERO, -net)
        total_debit += debit
        total_credit += credit
        lines.append(
            TrialBalanceLine(
                account=Account.of(r.account),
                debit=_money(debit),
                credit=_money(credit),
                total_debits=_money(r.debit),
                total_credits=_money(r.credit),
            )
        )
    return TrialBalance(
        company_id=strawberry.ID(str(company)),
        as_of=as_of,
        currency_code=currency,
        lines=lines,
        total_debit=_money(total_debit),
        total_credit=_money(total_credit),
        balanced=total_debit == total_credit,
    )
