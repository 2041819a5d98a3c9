"""Event types the sales context emits. Every payload carries `companyId` (the event stream shows
an event only to users who may enter that company) and, for documents and payments,
`customerId` and `balanceChange` — the base-currency change to the customer's receivable,
advance and draft totals that the customer balance handler applies."""

CUSTOMER_CREATED = "CustomerCreated"
CUSTOMER_UPDATED = "CustomerUpdated"
QUOTATION_CREATED = "QuotationCreated"
SALES_ORDER_CREATED = "SalesOrderCreated"
DELIVERY_POSTED = "DeliveryPosted"
INVOICE_CREATED = "InvoiceCreated"
INVOICE_POSTED = "InvoicePosted"
INVOICE_VOIDED = "InvoiceVoided"
INVOICE_SETTLED = "InvoiceSettled"  # its status changed by a payment or credit note
CREDIT_NOTE_ISSUED = "CreditNoteIssued"
DEBIT_NOTE_ISSUED = "DebitNoteIssued"
PAYMENT_RECEIVED = "PaymentReceived"
PAYMENT_ALLOCATED = "PaymentAllocated"  # an advance applied to invoices later
PAYMENT_REFUNDED = "PaymentRefunded"
# A revaluation that stays (or its reversal) restated the customer's open foreign invoices:
# emitted by accounting's revalueForeignBalances / reverseJournalEntry.
RECEIVABLE_REVALUED = "ReceivableRevalued"

INVOICE_EVENTS = frozenset(
    {
        INVOICE_CREATED,
        INVOICE_POSTED,
        INVOICE_VOIDED,
        INVOICE_SETTLED,
        CREDIT_NOTE_ISSUED,
        DEBIT_NOTE_ISSUED,
    }
)
PAYMENT_EVENTS = frozenset({PAYMENT_RECEIVED, PAYMENT_ALLOCATED, PAYMENT_REFUNDED})
# Events that change a customer's balance (their payload has `balanceChange`).
BALANCE_EVENTS = frozenset(
    {
        INVOICE_CREATED,
        INVOICE_POSTED,
        INVOICE_VOIDED,
        CREDIT_NOTE_ISSUED,
        DEBIT_NOTE_ISSUED,
        PAYMENT_RECEIVED,
        PAYMENT_ALLOCATED,
        PAYMENT_REFUNDED,
        RECEIVABLE_REVALUED,
    }
)
