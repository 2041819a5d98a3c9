from __future__ import annotations

import strawberry

from domain.purchasing import handlers
from domain.purchasing.commands import ConfigurePurchasing
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.purchasing.types import (
    ConfigurePurchasingInput,
    PurchasingSettings,
    PurchasingSettingsError,
    PurchasingSettingsPayload,
)

_ROLES = ("payable", "goods_received", "advances", "purchases", "fx_gain", "fx_loss", "bank")


async def configure_purchasing(
    info: strawberry.Info, input: ConfigurePurchasingInput
) -> PurchasingSettingsPayload:
    try:
        accounts = {}
        for role in _ROLES:
            value = getattr(input, f"{role}_account_id")
            if value is not None:
                field = "".join(
                    w.capitalize() if i else w
                    for i, w in enumerate(f"{role}_account_id".split("_"))
                )
                accounts[role] = parse_id(value, field, "account")
        command = ConfigurePurchasing(
            company_id=parse_id(input.company_id, "companyId", "company"),
            accounts=accounts,
            price_tolerance_percent=input.price_tolerance_percent,
            quantity_tolerance_percent=input.quantity_tolerance_percent,
        )
        chosen, tolerance = await run_command(info, handlers.configure_purchasing, command)
    except DomainError as exc:
        return PurchasingSettingsPayload(
            settings=None, errors=PurchasingSettingsError.from_domain(exc.errors)
        )
    return PurchasingSettingsPayload(
        settings=PurchasingSettings(
            company_id=input.company_id,
            payable_account_id=strawberry.ID(str(chosen.payable)),
            goods_received_account_id=strawberry.ID(str(chosen.goods_received)),
            advances_account_id=strawberry.ID(str(chosen.advances)),
            purchases_account_id=strawberry.ID(str(chosen.purchases)),
            fx_gain_account_id=strawberry.ID(str(chosen.fx_gain)),
            fx_loss_account_id=strawberry.ID(str(chosen.fx_loss)),
            bank_account_id=strawberry.ID(str(chosen.bank)),
            price_tolerance_percent=tolerance.price_percent,
            quantity_tolerance_percent=tolerance.quantity_percent,
        ),
        errors=[],
    )
