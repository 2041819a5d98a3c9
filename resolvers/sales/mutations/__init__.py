import strawberry

from resolvers.sales.mutations.allocate_payment import allocate_payment
from resolvers.sales.mutations.create_credit_note import create_credit_note
from resolvers.sales.mutations.create_customer import create_customer
from resolvers.sales.mutations.create_debit_note import create_debit_note
from resolvers.sales.mutations.create_delivery import create_delivery
from resolvers.sales.mutations.create_invoice import create_invoice
from resolvers.sales.mutations.create_quotation import create_quotation
from resolvers.sales.mutations.create_sales_order import create_sales_order
from resolvers.sales.mutations.post_invoice import post_invoice
from resolvers.sales.mutations.receive_payment import receive_payment
from resolvers.sales.mutations.refund_payment import refund_payment
from resolvers.sales.mutations.set_sales_account import set_sales_account
from resolvers.sales.mutations.set_tax_rounding import set_tax_rounding
from resolvers.sales.mutations.update_customer import update_customer
from resolvers.sales.mutations.void_invoice import void_invoice
from schema.permissions import guarded


@strawberry.type
class SalesMutations:
    create_customer = strawberry.mutation(
        resolver=create_customer,
        **guarded("customer:create", "A customer of a company (code unique in the company)."),
    )
    update_customer = strawberry.mutation(
        resolver=update_customer,
        **guarded(
            "customer:update",
            "Change a customer (send the version you last read); isActive: false deactivates.",
        ),
    )
    create_quotation = strawberry.mutation(
        resolver=create_quotation,
        **guarded("invoice:create", "A quotation (numbered QT-…); nothing is booked."),
    )
    create_sales_order = strawberry.mutation(
        resolver=create_sales_order,
        **guarded(
            "invoice:create",
            "A sales order from items or converting a quotation; stocked items are reserved.",
        ),
    )
    create_delivery = strawberry.mutation(
        resolver=create_delivery,
        **guarded(
            "invoice:create",
            "Deliver (part of) a sales order: stock leaves at cost (Dr COGS / Cr inventory) "
            "and the reservation is released.",
        ),
    )
    create_invoice = strawberry.mutation(
        resolver=create_invoice,
        **guarded(
            "invoice:create",
            "A draft invoice from items (products or free text) or billing a delivery; "
            "post: true posts it at once (needs invoice:post).",
        ),
    )
    post_invoice = strawberry.mutation(
        resolver=post_invoice,
        **guarded(
            "invoice:post",
            "Post a draft: the next gapless number, Dr receivable / Cr revenue / Cr tax, and "
            "stocked items issued with their COGS — one transaction. Refused above the "
            "customer's credit limit.",
        ),
    )
    void_invoice = strawberry.mutation(
        resolver=void_invoice,
        **guarded("invoice:void", "Void a draft invoice (a posted one takes a credit note)."),
    )
    create_credit_note = strawberry.mutation(
        resolver=create_credit_note,
        **guarded(
            "invoice:post",
            "Credit lines of a posted invoice (never more than was invoiced): revenue and tax "
            "reversed, goods back in stock at their cost (returnStock), the excess over what "
            "is due kept as the customer's advance.",
        ),
    )
    create_debit_note = strawberry.mutation(
        resolver=create_debit_note,
        **guarded("invoice:post", "An extra charge on a posted invoice, posted at once."),
    )
    receive_payment = strawberry.mutation(
        resolver=receive_payment,
        **guarded(
            "payment:create",
            "Money received from a customer, allocated to invoices (partially or fully); the "
            "rest is an advance (2130). Realized FX to 4920/6800.",
        ),
    )
    allocate_payment = strawberry.mutation(
        resolver=allocate_payment,
        **guarded(
            "payment:create",
            "Apply a payment's unallocated amount (an advance) to invoices.",
        ),
    )
    refund_payment = strawberry.mutation(
        resolver=refund_payment,
        **guarded(
            "payment:create",
            "Refund (part of) a payment's unallocated amount to the customer.",
        ),
    )
    set_sales_account = strawberry.mutation(
        resolver=set_sales_account,
        **guarded(
            "account:update",
            "Map a sales posting role to another account of the company (or back to the "
            "default code's account with accountId: null).",
        ),
    )
    set_tax_rounding = strawberry.mutation(
        resolver=set_tax_rounding,
        **guarded(
            "account:update",
            "How the company rounds each line's tax from now on (HALF_UP by default).",
        ),
    )
