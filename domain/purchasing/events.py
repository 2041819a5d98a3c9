"""Event types this context emits (payloads are built in model.py). Every payload carries
`companyId`: the event stream shows an event only to users who may enter that company."""

SUPPLIER_CREATED = "SupplierCreated"
SUPPLIER_UPDATED = "SupplierUpdated"
PURCHASE_ORDER_CREATED = "PurchaseOrderCreated"
PURCHASE_ORDER_CANCELLED = "PurchaseOrderCancelled"
GOODS_RECEIVED = "GoodsReceived"
BILL_CREATED = "BillCreated"
BILL_POSTED = "BillPosted"
BILL_VOIDED = "BillVoided"
SUPPLIER_PAYMENT_MADE = "SupplierPaymentMade"
SUPPLIER_ADVANCE_APPLIED = "SupplierAdvanceApplied"
SUPPLIER_CREDIT_ISSUED = "SupplierCreditIssued"
ALL = (
    SUPPLIER_CREATED,
    SUPPLIER_UPDATED,
    PURCHASE_ORDER_CREATED,
    PURCHASE_ORDER_CANCELLED,
    GOODS_RECEIVED,
    BILL_CREATED,
    BILL_POSTED,
    BILL_VOIDED,
    SUPPLIER_PAYMENT_MADE,
    SUPPLIER_ADVANCE_APPLIED,
    SUPPLIER_CREDIT_ISSUED,
)
