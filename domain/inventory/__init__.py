"""Inventory: products, warehouses, stock movements, valuation and reorder suggestions."""
