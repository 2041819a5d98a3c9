import strawberry

from resolvers.inventory.mutations.adjust_stock import adjust_stock
from resolvers.inventory.mutations.create_product import create_product
from resolvers.inventory.mutations.create_product_category import create_product_category
from resolvers.inventory.mutations.create_warehouse import create_warehouse
from resolvers.inventory.mutations.receive_transfer import receive_transfer
from resolvers.inventory.mutations.transfer_stock import transfer_stock
from resolvers.inventory.mutations.update_product import update_product
from resolvers.inventory.mutations.update_warehouse import update_warehouse
from schema.permissions import guarded


@strawberry.type
class InventoryMutations:
    create_product_category = strawberry.mutation(
        resolver=create_product_category,
        **guarded(
            "product:create",
            "A product category: the accounts its products' stock movements book to.",
        ),
    )
    create_product = strawberry.mutation(
        resolver=create_product,
        **guarded("product:create", "A product (SKU unique per company) or a service."),
    )
    update_product = strawberry.mutation(
        resolver=update_product,
        **guarded(
            "product:update",
            "Change a product (send the version you last read). Cost method and "
            "stocked/service are fixed once stock has moved.",
        ),
    )
    create_warehouse = strawberry.mutation(
        resolver=create_warehouse,
        **guarded("warehouse:create", "A warehouse (code unique per company) and its locations."),
    )
    update_warehouse = strawberry.mutation(
        resolver=update_warehouse,
        **guarded(
            "warehouse:update",
            "Rename a warehouse, change its address, or deactivate it (isActive: false: no "
            "more stock moves in or out). Send the version you last read.",
        ),
    )
    adjust_stock = strawberry.mutation(
        resolver=adjust_stock,
        **guarded(
            "stock:adjust",
            "Correct a product's stock in a warehouse to a counted quantity, or by a delta, "
            "with a reason. Books the value change against the adjustment account.",
        ),
    )
    transfer_stock = strawberry.mutation(
        resolver=transfer_stock,
        **guarded(
            "stock:transfer",
            "Move stock between two warehouses of a company, both legs in one transaction "
            "(or, with inTransit, ship now and receiveTransfer later).",
        ),
    )
    receive_transfer = strawberry.mutation(
        resolver=receive_transfer,
        **guarded("stock:transfer", "Receive an in-transit transfer at its destination."),
    )
