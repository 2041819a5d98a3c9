"""Alembic environment for one tenant schema. Always run through db.migrations.runner.

Migrations are written without schema names; the tenant's schema is first on the search_path for
the duration of the (caller's) transaction, and the version table lives inside that schema.
"""

from alembic import context

config = context.config
connection = config.attributes["connection"]
schema = config.attributes["schema"]  # validated by the runner
connection.exec_driver_sql(f'SET LOCAL search_path TO "{schema}", shared, public')
context.configure(
    connection=connection,
    target_metadata=None,
    version_table_schema=schema,
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
