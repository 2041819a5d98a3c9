"""What customers (sales) and suppliers (purchasing) share: the rules for a party's code, name
and payment terms (`rules`), addresses and contacts as value objects (`contacts`) and the
statement's running balance (`statements`). Aging buckets are `domain.shared.aging`'s.

The Customer and Supplier aggregates stay in their contexts (a customer has a credit limit
checked against its receivable and an email; a supplier's balance is kept in the posting
transaction) and build on these parts. A party's tax id is sealed at rest the same way for
both (`db/crypto.py`: CUSTOMER_TAX_ID, SUPPLIER_TAX_ID; `db/repositories/party.py`)."""

from domain.party.contacts import Address, Contact
from domain.party.rules import CODE_MAX, CODE_PATTERN, NAME_MAX, PAYMENT_TERMS_MAX

__all__ = ["CODE_MAX", "CODE_PATTERN", "NAME_MAX", "PAYMENT_TERMS_MAX", "Address", "Contact"]
