"""Event types this context emits (payloads are built in model.py)."""

COMPANY_CREATED = "CompanyCreated"
COMPANY_UPDATED = "CompanyUpdated"
ALL = (COMPANY_CREATED, COMPANY_UPDATED)
