"""SQLAlchemy Core tables.

Shared tables live in the `shared` schema. Tenant tables are declared in the placeholder schema
`tenant`; every connection that touches them maps it to the caller's real schema through
`schema_translate_map`. A query issued without that map names a schema that does not exist and
fails — isolation never depends on remembering a `WHERE tenant_id`.
"""

from sqlalchemy import MetaData

SHARED_SCHEMA = "shared"
TENANT_SCHEMA_PLACEHOLDER = "tenant"

metadata = MetaData()
