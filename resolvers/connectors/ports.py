"""The adapters connector handlers take beside the unit of work, built on it by run_command."""

from __future__ import annotations

from db.imports.reads import job_repository
from db.readmodels.connectors import connector_repository
from resolvers.commands import UnitOfWorkPort

CONNECTORS = UnitOfWorkPort(connector_repository)
JOBS = UnitOfWorkPort(job_repository)
