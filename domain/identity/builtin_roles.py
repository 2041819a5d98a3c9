"""The roles every tenant starts with. They cannot be edited; custom roles may inherit them."""

from __future__ import annotations

import uuid

from domain.identity.access import Permission, Role

_NAMESPACE = uuid.UUID("5f0c1c5e-8b1f-4f7e-9a53-b1e0d9c3a001")


def builtin_id(name: str) -> uuid.UUID:
    """Stable ids, the same in every tenant, so code and migrations can refer to them."""
    return uuid.uuid5(_NAMESPACE, name)


P = Permission.of


def _role(name: str, description: str, *perms: str, inherits: tuple[str, ...] = (),
          all_companies: bool = False) -> Role:  # fmt: skip
    return Role(
        id=builtin_id(name),
        name=name,
        description=description,
        permissions=tuple(P(p) for p in perms),
        inherits=tuple(builtin_id(i) for i in inherits),
        builtin=True,
        all_companies=all_companies,
    )


VIEWER = _role(
    "viewer", "Reads everything in the companies they can enter.",
    *(f"{r}:read" for r in ("company", "account", "journal", "period", "report", "product",
                            "warehouse", "stock", "customer", "supplier", "invoice", "payment",
                            "purchase")),
    "profile:read", "events:read",
)  # fmt: skip
ACCOUNTANT = _role(
    "accountant", "Keeps the books: accounts, journals, periods, reports.",
    "account:*", "journal:*", "period:*", "report:*", "payment:*", "invoice:read", "import:*",
    inherits=("viewer",),
)  # fmt: skip
SALES = _role(
    "sales", "Customers, quotations, orders and invoices.",
    "customer:*", "invoice:create", "invoice:read", "payment:read", "stock:read",
    inherits=("viewer",),
)  # fmt: skip
PURCHASING = _role(
    "purchasing", "Suppliers, purchase orders and bills.",
    "supplier:*", "purchase:*", "payment:read", "stock:read",
    inherits=("viewer",),
)  # fmt: skip
WAREHOUSE = _role(
    "warehouse", "Products, warehouses and stock movements.",
    "product:*", "warehouse:*", "stock:*",
    inherits=("viewer",),
)  # fmt: skip
ADMIN = _role(
    "admin", "Everything in every company, users and roles included.",
    "*:*",
    all_companies=True,
)  # fmt: skip
OWNER = _role(
    "owner", "The tenant's owner: everything, always.",
    "*:*",
    all_companies=True,
)  # fmt: skip

BUILTIN_ROLES: tuple[Role, ...] = (OWNER, ADMIN, ACCOUNTANT, SALES, PURCHASING, WAREHOUSE, VIEWER)
