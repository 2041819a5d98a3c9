"""Run the shared and tenant migrations programmatically, inside the caller's transaction."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from db.engine import SCHEMA_NAME

_HERE = Path(__file__).parent


def _config(kind: str, connection: Connection, schema: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE / kind))
    cfg.attributes["connection"] = connection
    if schema is not None:
        cfg.attributes["schema"] = schema
    return cfg


def heads(kind: str) -> set[str]:
    """Independent features may add migrations side by side; all heads are applied."""
    return set(ScriptDirectory(str(_HERE / kind)).get_heads())


def upgrade_shared(connection: Connection) -> None:
    command.upgrade(_config("shared", connection), "heads")


def upgrade_tenant(connection: Connection, schema: str) -> None:
    if not SCHEMA_NAME.match(schema):
        raise ValueError(f"not a tenant schema name: {schema!r}")
    command.upgrade(_config("tenant", connection, schema), "heads")


def tenant_revisions(connection: Connection, schema: str) -> set[str]:
    ctx = MigrationContext.configure(connection, opts={"version_table_schema": schema})
    return set(ctx.get_current_heads())
