"""Purchasing handlers: the company's purchasing settings (accounts, tolerances)."""

from __future__ import annotations

from domain.accounting.handlers import company_currency
from domain.identity.access import AccessGrants
from domain.purchasing.commands import (
    ConfigurePurchasing,
)
from domain.purchasing.handlers.steps import _check_accounts, _enter, resolve_accounts
from domain.purchasing.model import (
    DEFAULT_ACCOUNT_CODES,
    PurchasingAccounts,
    Tolerance,
    check_tolerance,
)
from domain.purchasing.ports import PurchasingUnitOfWork
from domain.shared.errors import ErrorCode, ValidationErrors
from domain.shared.events import EventOrigin


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
