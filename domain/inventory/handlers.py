"""Inventory commands: one async function per command (see domain/accounting/handlers.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from domain.identity.access import AccessGrants, RecordFacts
from domain.inventory import events
from domain.inventory.commands import (
    AdjustStock,
    CreateProduct,
    CreateProductCategory,
    CreateWarehouse,
    ReceiveTransfer,
    TransferStock,
    UpdateProduct,
    UpdateWarehouse,
)
from domain.inventory.model import (
    ZERO,
    MovementType,
    Product,
    ProductCategory,
    StockLevel,
    Warehouse,
    check_amount,
    check_quantity,
)
from domain.inventory.model import update_warehouse as update_warehouse_model
from domain.inventory.ports import InventoryUnitOfWork, Transfer
from domain.inventory.stock import Move, Moved, move_within
from domain.shared.clock import utcnow
from domain.shared.errors import DomainError, ErrorCode, NotFound, ValidationErrors
from domain.shared.events import EventOrigin, RecordedEvent


def _enter(grants: AccessGrants, company_id: uuid.UUID) -> None:
    if not grants.can_enter(company_id):
        raise NotFound("Company", "companyId")


async def _company(uow: InventoryUnitOfWork, company_id: uuid.UUID) -> None:
    if await uow.accounts.company_currency(company_id) is None:
        raise NotFound("Company", "companyId")


# -- categories and products --------------------------------------------------------------------


async def create_product_category(
    cmd: CreateProductCategory,
    uow: InventoryUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
) -> ProductCategory:
    _enter(grants, cmd.company_id)
    grants.check("product", "create", company_id=cmd.company_id)
    errors = ValidationErrors()
    name = cmd.name.strip()
    if not name or len(name) > 100:
        errors.add("name", "Name is 1 to 100 characters.")
    errors.raise_if_any()
    async with uow:
        await _company(uow, cmd.company_id)
        chosen = {
            "inventoryAccountId": cmd.inventory_account_id,
            "cogsAccountId": cmd.cogs_account_id,
            "adjustmentAccountId": cmd.adjustment_account_id,
            "goodsReceivedAccountId": cmd.goods_received_account_id,
        }
        found = await uow.accounts.get_many({a for a in chosen.values() if a is not None})
        for field_name, account_id in chosen.items():
            if account_id is None:
                continue
            account = found.get(account_id)
            if account is None or account.company_id != cmd.company_id:
                errors.add(field_name, "Account not found.", ErrorCode.NOT_FOUND)
            elif not account.is_active:
                errors.add(field_name, f"Account {account.code} is inactive.")
        if await uow.products.category_name_taken(cmd.company_id, name):
            errors.add("name", f"A category named {name} exists.", ErrorCode.DUPLICATE)
        errors.raise_if_any()
        category = ProductCategory(
            uuid.uuid4(),
            cmd.company_id,
            name,
            cmd.inventory_account_id,
            cmd.cogs_account_id,
            cmd.adjustment_account_id,
            cmd.goods_received_account_id,
        )
        await uow.products.add_category(category, origin.user_id)
        await uow.commit()
    return category


async def _check_category(
    uow: InventoryUnitOfWork, company_id: uuid.UUID, category_id: uuid.UUID | None
) -> None:
    if category_id is None:
        return
    category = (await uow.products.categories([category_id])).get(category_id)
    if category is None or category.company_id != company_id:
        raise NotFound("Category", "categoryId")


async def create_product(
    cmd: CreateProduct, uow: InventoryUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> Product:
    _enter(grants, cmd.company_id)
    grants.check("product", "create", company_id=cmd.company_id)
    product = Product.create(
        company_id=cmd.company_id,
        sku=cmd.sku,
        name=cmd.name,
        description=cmd.description,
        category_id=cmd.category_id,
        unit_of_measure=cmd.unit_of_measure,
        barcode=cmd.barcode,
        is_stocked=cmd.is_stocked,
        cost_method=cmd.cost_method,
        selling_price=cmd.selling_price,
        reorder_point=cmd.reorder_point,
        reorder_quantity=cmd.reorder_quantity,
        lead_time_days=cmd.lead_time_days,
        allow_negative_stock=cmd.allow_negative_stock,
        actor=origin.user_id,
        now=utcnow(),
    )
    async with uow:
        await _company(uow, cmd.company_id)
        await _check_category(uow, cmd.company_id, cmd.category_id)
        if await uow.products.sku_taken(cmd.company_id, product.sku):
            raise DomainError.single(
                ErrorCode.DUPLICATE, f"SKU {product.sku} is already used.", "sku"
            )
        await uow.products.add(product)
        uow.record(product.events)
        await uow.commit()
    return product


async def update_product(
    cmd: UpdateProduct, uow: InventoryUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> Product:
    async with uow:
        product = await uow.products.get_for_update(cmd.product_id)
        if product is None or not grants.can_enter(product.company_id):
            raise NotFound("Product")
        grants.check(
            "product",
            "update",
            company_id=product.company_id,
            facts=RecordFacts(owner_id=product.created_by),
        )
        if product.version != cmd.expected_version:
            raise DomainError.single(
                ErrorCode.CONFLICT,
                "The product was changed by someone else; reload and retry.",
                "version",
            )
        changes = dict(cmd.changes)
        if "category_id" in changes:
            await _check_category(uow, product.company_id, changes["category_id"])
        if "sku" in changes and await uow.products.sku_taken(
            product.company_id, str(changes["sku"]).strip(), except_id=product.id
        ):
            raise DomainError.single(
                ErrorCode.DUPLICATE, f"SKU {changes['sku']} is already used.", "sku"
            )
        sensitive = ("cost_method", "is_stocked")
        has_movements = any(k in changes for k in sensitive) and await uow.products.has_movements(
            product.id
        )
        previous = product.version
        product.update(changes, has_movements=has_movements, actor=origin.user_id, now=utcnow())
        if product.version != previous:
            await uow.products.save(product, previous_version=previous)
            uow.record(product.events)
            await uow.commit()
    return product


# -- warehouses ---------------------------------------------------------------------------------


async def create_warehouse(
    cmd: CreateWarehouse, uow: InventoryUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> Warehouse:
    _enter(grants, cmd.company_id)
    grants.check("warehouse", "create", company_id=cmd.company_id)
    warehouse = Warehouse.create(
        company_id=cmd.company_id,
        code=cmd.code,
        name=cmd.name,
        address=cmd.address,
        locations=list(cmd.locations),
        actor=origin.user_id,
        now=utcnow(),
    )
    async with uow:
        await _company(uow, cmd.company_id)
        if await uow.warehouses.code_taken(cmd.company_id, warehouse.code):
            raise DomainError.single(
                ErrorCode.DUPLICATE, f"Warehouse code {warehouse.code} is already used.", "code"
            )
        await uow.warehouses.add(warehouse)
        uow.record(warehouse.events)
        await uow.commit()
    return warehouse


async def update_warehouse(
    cmd: UpdateWarehouse, uow: InventoryUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> Warehouse:
    async with uow:
        warehouse = await uow.warehouses.get_for_update(cmd.warehouse_id)
        if warehouse is None or not grants.can_enter(warehouse.company_id):
            raise NotFound("Warehouse")
        grants.check(
            "warehouse",
            "update",
            company_id=warehouse.company_id,
            facts=RecordFacts(owner_id=warehouse.created_by),
        )
        if warehouse.version != cmd.expected_version:
            raise DomainError.single(
                ErrorCode.CONFLICT,
                "The warehouse was changed by someone else; reload and retry.",
                "version",
            )
        previous = warehouse.version
        if update_warehouse_model(
            warehouse, name=cmd.name, address=cmd.address, is_active=cmd.is_active, now=utcnow()
        ):
            await uow.warehouses.save(warehouse, previous_version=previous)
            uow.record(warehouse.events)
            await uow.commit()
    return warehouse


# -- stock --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockChange:
    """What a stock command did: the levels after it (source, then destination)."""

    levels: tuple[StockLevel, ...]
    movement_ids: tuple[uuid.UUID, ...]
    transfer: Transfer | None = None


async def adjust_stock(
    cmd: AdjustStock, uow: InventoryUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> StockChange:
    _enter(grants, cmd.company_id)
    grants.check("stock", "adjust", company_id=cmd.company_id)
    errors = ValidationErrors()
    if (cmd.counted_quantity is None) == (cmd.delta is None):
        errors.add("delta", "Give either a counted quantity or a delta.", ErrorCode.REQUIRED)
    if cmd.delta is not None:
        check_quantity(errors, "delta", cmd.delta, positive=False)
    if cmd.counted_quantity is not None:
        check_amount(errors, "countedQuantity", cmd.counted_quantity, "Counted quantity")
    if cmd.unit_cost is not None:
        check_amount(errors, "unitCost", cmd.unit_cost, "Unit cost")
    if not cmd.reason.strip():
        errors.add("reason", "A reason is required.", ErrorCode.REQUIRED)
    errors.raise_if_any()
    occurred_on = cmd.occurred_on or utcnow().date()
    async with uow:
        delta = cmd.delta
        if cmd.location_id is not None and not await uow.warehouses.has_location(
            cmd.warehouse_id, cmd.location_id
        ):
            raise NotFound("Location", "locationId")
        if cmd.counted_quantity is not None:
            key = (cmd.product_id, cmd.warehouse_id)
            await _check_ids(uow, cmd.company_id, cmd.product_id, [cmd.warehouse_id])
            level = (await uow.stock.lock_levels(cmd.company_id, [key]))[key]
            delta = cmd.counted_quantity - level.on_hand
            if delta == 0:
                raise DomainError.single(
                    ErrorCode.INVALID,
                    f"The count equals the on-hand quantity ({level.on_hand}): nothing to adjust.",
                    "countedQuantity",
                )
        assert delta is not None
        done = await move_within(
            uow,
            origin,
            company_id=cmd.company_id,
            occurred_on=occurred_on,
            reason=cmd.reason,
            reference_type="StockAdjustment",
            reference_id=uuid.uuid4(),
            moves=[
                Move(
                    cmd.product_id,
                    cmd.warehouse_id,
                    delta,
                    MovementType.ADJUSTMENT,
                    "adjustment",
                    unit_cost=cmd.unit_cost,
                    location_id=cmd.location_id,
                )
            ],
            move_fields=[""],
            date_field="occurredOn",
        )
        _service_refused(done)
        await uow.commit()
    return _change(done)


def _service_refused(done: list[Moved]) -> None:
    if any(m.movement_id is None for m in done):
        raise DomainError.single(
            ErrorCode.INVALID, "A service product keeps no stock.", "productId"
        )


def _change(done: list[Moved], transfer: Transfer | None = None) -> StockChange:
    return StockChange(
        tuple(m.level for m in done if m.level is not None),
        tuple(m.movement_id for m in done if m.movement_id is not None),
        transfer,
    )


async def _check_ids(
    uow: InventoryUnitOfWork,
    company_id: uuid.UUID,
    product_id: uuid.UUID,
    warehouse_ids: list[uuid.UUID],
    fields: tuple[str, ...] = ("warehouseId",),
) -> Product:
    errors = ValidationErrors()
    product = (await uow.products.get_many([product_id])).get(product_id)
    if product is None or product.company_id != company_id:
        errors.add("productId", "Product not found.", ErrorCode.NOT_FOUND)
    elif not product.is_stocked:
        errors.add("productId", "A service product keeps no stock.")
    found = await uow.warehouses.get_many(set(warehouse_ids))
    for field_name, warehouse_id in zip(fields, warehouse_ids, strict=True):
        warehouse = found.get(warehouse_id)
        if warehouse is None or warehouse.company_id != company_id:
            errors.add(field_name, "Warehouse not found.", ErrorCode.NOT_FOUND)
    errors.raise_if_any()
    assert product is not None
    return product


async def transfer_stock(
    cmd: TransferStock, uow: InventoryUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> StockChange:
    _enter(grants, cmd.company_id)
    grants.check("stock", "transfer", company_id=cmd.company_id)
    errors = ValidationErrors()
    check_quantity(errors, "quantity", cmd.quantity)
    if cmd.from_warehouse_id == cmd.to_warehouse_id:
        errors.add("toWarehouseId", "Transfer to a different warehouse.")
    if not cmd.reason.strip():
        errors.add("reason", "A reason is required.", ErrorCode.REQUIRED)
    errors.raise_if_any()
    occurred_on = cmd.occurred_on or utcnow().date()
    async with uow:
        await _check_ids(
            uow,
            cmd.company_id,
            cmd.product_id,
            [cmd.from_warehouse_id, cmd.to_warehouse_id],
            ("fromWarehouseId", "toWarehouseId"),
        )
        transfer_id = uuid.uuid4()
        transfer = Transfer(
            transfer_id,
            cmd.company_id,
            cmd.product_id,
            cmd.from_warehouse_id,
            cmd.to_warehouse_id,
            cmd.quantity,
            ZERO,
            "IN_TRANSIT" if cmd.in_transit else "RECEIVED",
            occurred_on,
            None if cmd.in_transit else occurred_on,
        )
        await uow.stock.add_transfer(transfer, cmd.reason.strip(), origin.user_id)
        moves = [
            Move(
                cmd.product_id,
                cmd.from_warehouse_id,
                -cmd.quantity,
                MovementType.TRANSFER_OUT,
                "inventory",
                transfer_id=transfer_id,
            )
        ]
        if not cmd.in_transit:
            moves.append(
                Move(
                    cmd.product_id,
                    cmd.to_warehouse_id,
                    cmd.quantity,
                    MovementType.TRANSFER_IN,
                    "inventory",
                    value_of_previous=True,
                    transfer_id=transfer_id,
                )
            )
        done = await move_within(
            uow,
            origin,
            company_id=cmd.company_id,
            occurred_on=occurred_on,
            reason=cmd.reason,
            reference_type="StockTransfer",
            reference_id=transfer_id,
            moves=moves,
            move_fields=["", ""][: len(moves)],
            date_field="occurredOn",
        )
        value = -done[0].value
        await uow.stock.set_transfer_value(transfer_id, value)
        transfer = Transfer(**{**transfer.__dict__, "value": value})
        uow.record([_transferred(transfer, utcnow())])
        await uow.commit()
    return _change(done, transfer)


def _transferred(transfer: Transfer, now: object) -> RecordedEvent:
    return RecordedEvent(
        events.STOCK_TRANSFERRED,
        "StockTransfer",
        transfer.id,
        {
            "companyId": str(transfer.company_id),
            "id": str(transfer.id),
            "productId": str(transfer.product_id),
            "fromWarehouseId": str(transfer.from_warehouse_id),
            "toWarehouseId": str(transfer.to_warehouse_id),
            "quantity": str(transfer.quantity),
            "value": str(transfer.value),
            "status": transfer.status,
        },
        now,  # type: ignore[arg-type]
    )


async def receive_transfer(
    cmd: ReceiveTransfer, uow: InventoryUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> StockChange:
    async with uow:
        transfer = await uow.stock.transfer_for_update(cmd.transfer_id)
        if transfer is None or not grants.can_enter(transfer.company_id):
            raise NotFound("Transfer")
        grants.check("stock", "transfer", company_id=transfer.company_id)
        if transfer.status != "IN_TRANSIT":
            raise DomainError.single(
                ErrorCode.INVALID_STATE, "The transfer has been received already.", "id"
            )
        occurred_on = cmd.occurred_on or utcnow().date()
        if occurred_on < transfer.shipped_on:
            raise DomainError.single(
                ErrorCode.INVALID, "A transfer is received on or after it shipped.", "occurredOn"
            )
        done = await move_within(
            uow,
            origin,
            company_id=transfer.company_id,
            occurred_on=occurred_on,
            reason="Transfer received",
            reference_type="StockTransfer",
            reference_id=transfer.id,
            moves=[
                Move(
                    transfer.product_id,
                    transfer.to_warehouse_id,
                    transfer.quantity,
                    MovementType.TRANSFER_IN,
                    "inventory",
                    value=transfer.value,
                    transfer_id=transfer.id,
                )
            ],
            move_fields=[""],
            date_field="occurredOn",
        )
        await uow.stock.receive_transfer(transfer.id, occurred_on)
        received = Transfer(
            **{**transfer.__dict__, "status": "RECEIVED", "received_on": occurred_on}
        )
        uow.record([_transferred(received, utcnow())])
        await uow.commit()
    return _change(done, received)
