"""Alembic environment for the shared schema. Always run through db.migrations.runner."""

from alembic import context

from db.tables import SHARED_SCHEMA

connection = context.config.attributes["connection"]
connection.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{SHARED_SCHEMA}"')
context.configure(
    connection=connection,
    target_metadata=None,
    version_table_schema=SHARED_SCHEMA,
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
