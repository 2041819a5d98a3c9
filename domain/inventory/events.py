"""Event types this context emits. Every payload carries `companyId` (the event stream shows an
event only to users who may enter that company)."""

PRODUCT_CREATED = "ProductCreated"
PRODUCT_UPDATED = "ProductUpdated"
WAREHOUSE_CREATED = "WarehouseCreated"
WAREHOUSE_UPDATED = "WarehouseUpdated"
STOCK_LEVEL_CHANGED = "StockLevelChanged"
STOCK_TRANSFERRED = "StockTransferred"
ALL = (
    PRODUCT_CREATED,
    PRODUCT_UPDATED,
    WAREHOUSE_CREATED,
    WAREHOUSE_UPDATED,
    STOCK_LEVEL_CHANGED,
    STOCK_TRANSFERRED,
)
