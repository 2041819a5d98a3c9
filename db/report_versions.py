"""The report cache's version counters: one per (tenant, company, kind of change).

`books` is bumped after every committed posting or reversal, `chart` after an account is created
or changed (effects registered in `domain/effects.py`, run by `db/effects.py`); a report cached
under an older version is never read again (`resolvers/report_cache.py`).
"""

from __future__ import annotations

import uuid

BOOKS = "books"
CHART = "chart"


def version_key(tenant: str, company_id: uuid.UUID, kind: str) -> str:
    return f"{kind}-version:{tenant}:{company_id}"
