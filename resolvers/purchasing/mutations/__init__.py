import strawberry

from resolvers.purchasing.mutations.apply_supplier_advance import apply_supplier_advance
from resolvers.purchasing.mutations.cancel_purchase_order import cancel_purchase_order
from resolvers.purchasing.mutations.configure_purchasing import configure_purchasing
from resolvers.purchasing.mutations.create_bill import create_bill
from resolvers.purchasing.mutations.create_purchase_order import create_purchase_order
from resolvers.purchasing.mutations.create_supplier import create_supplier
from resolvers.purchasing.mutations.issue_supplier_credit import issue_supplier_credit
from resolvers.purchasing.mutations.make_supplier_payment import make_supplier_payment
from resolvers.purchasing.mutations.post_bill import post_bill
from resolvers.purchasing.mutations.receive_goods import receive_goods
from resolvers.purchasing.mutations.update_supplier import update_supplier
from resolvers.purchasing.mutations.void_bill import void_bill
from schema.permissions import guarded


@strawberry.type
class PurchasingMutations:
    create_supplier = strawberry.mutation(
        resolver=create_supplier,
        **guarded("supplier:create", "A supplier of a company (code unique in the company)."),
    )
    update_supplier = strawberry.mutation(
        resolver=update_supplier,
        **guarded(
            "supplier:update",
            "Change a supplier (send the version you last read); isActive: false retires it.",
        ),
    )
    configure_purchasing = strawberry.mutation(
        resolver=configure_purchasing,
        **guarded(
            "purchase:approve",
            "The accounts purchasing books to (default: by chart code 2100, 2120, 1230, 5100, "
            "4920, 6800, 1110) and the bill-to-receipt match tolerances.",
        ),
    )
    create_purchase_order = strawberry.mutation(
        resolver=create_purchase_order,
        **guarded(
            "purchase:create",
            "An open purchase order; its stocked quantities are expected as incoming stock.",
        ),
    )
    cancel_purchase_order = strawberry.mutation(
        resolver=cancel_purchase_order,
        **guarded(
            "purchase:create",
            "Cancel an open or partly received order: what was still expected is no longer "
            "incoming (what arrived stays).",
        ),
    )
    receive_goods = strawberry.mutation(
        resolver=receive_goods,
        **guarded(
            "purchase:create",
            "A goods receipt against an order: stock in at the order's cost (rate of the "
            "receipt date), Dr Inventory / Cr GRNI, in one transaction.",
        ),
    )
    create_bill = strawberry.mutation(
        resolver=create_bill,
        **guarded(
            "purchase:create",
            "A supplier bill, matched to goods receipt lines (quantity and price within the "
            "tolerance) or booked to expense accounts; a draft, or posted with post: true.",
        ),
    )
    post_bill = strawberry.mutation(
        resolver=post_bill,
        **guarded(
            "purchase:approve",
            "Post a draft bill: gapless number, Cr Trade Payables / Dr GRNI and Purchases at the "
            "rate on the bill date, the supplier's balance in the same transaction.",
        ),
    )
    void_bill = strawberry.mutation(
        resolver=void_bill,
        **guarded(
            "purchase:create",
            "Void a draft bill (a posted one is corrected with issueSupplierCredit).",
        ),
    )
    make_supplier_payment = strawberry.mutation(
        resolver=make_supplier_payment,
        **guarded(
            "payment:create",
            "Pay a supplier: allocate to one or many open bills (partially or fully), the rest "
            "is an advance (1230); realized FX gain/loss booked on foreign bills.",
        ),
    )
    apply_supplier_advance = strawberry.mutation(
        resolver=apply_supplier_advance,
        **guarded(
            "payment:create",
            "Settle (part of) a bill out of the supplier's advance: Dr Trade Payables at the "
            "bill's rate / Cr Advances to Suppliers at the advance's, the difference realized FX.",
        ),
    )
    issue_supplier_credit = strawberry.mutation(
        resolver=issue_supplier_credit,
        **guarded(
            "purchase:create",
            "A supplier credit against a posted bill's lines, optionally returning the goods "
            "(stock out at cost).",
        ),
    )
