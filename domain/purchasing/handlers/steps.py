"""Steps the purchasing handlers share: scoping, rates, carrying amounts, the accounts in use,
the supplier lookup and idempotent replays. Package-internal (underscore names)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from datetime import date
from decimal import Decimal

from domain.accounting.carrying import shares_in_force
from domain.accounting.handlers import company_currency
from domain.identity.access import AccessGrants
from domain.purchasing.model import (
    DEFAULT_ACCOUNT_CODES,
    Bill,
    PurchasingAccounts,
    Supplier,
    SupplierPayment,
    require_supplier,
)
from domain.purchasing.ports import PurchasingUnitOfWork
from domain.shared.errors import DomainError, ErrorCode, NotFound
from domain.shared.idempotency import PriorRequest

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


async def _replay(
    uow: PurchasingUnitOfWork, prior: PriorRequest, fingerprint: str
) -> SupplierPayment:
    """A retry of a payment already made: the first payment, nothing new."""
    payment_id = prior.result_id
    if prior.fingerprint != fingerprint or payment_id is None:
        raise DomainError.single(
            ErrorCode.CONFLICT,
            "This idempotency key was used for a different payment.",
            "idempotencyKey",
        )
    payment = await uow.purchasing.payment(payment_id)
    assert payment is not None  # written with the key, in the same transaction
    return payment
