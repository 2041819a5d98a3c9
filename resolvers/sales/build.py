"""Sales document types with their relations: one batch per relation for a whole page (the
dataloaders, loaded together), so the relations are plain fields of the result that the fast
executor completes without a resolver call per document."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import strawberry

from domain.sales.model import SalesDocument as DocumentModel
from schema.sales.types import Invoice, SalesDocument

Source = DocumentModel | Mapping[str, Any]


def _get(source: Source, name: str) -> Any:
    return getattr(source, name) if isinstance(source, DocumentModel) else source[name]


async def _relations(
    info: strawberry.Info, sources: Sequence[Source], *, allocations: bool
) -> tuple[list[Any], list[Any], list[Any]]:
    """(customers, lines, allocations) per source; stored lines are loaded, a domain
    document's are its own."""
    loaders = info.context.loaders
    ids: list[uuid.UUID] = [_get(s, "id") for s in sources]
    stored = [_get(s, "id") for s in sources if not isinstance(s, DocumentModel)]
    customers, loaded, allocated = await asyncio.gather(
        loaders.customer_by_id.load_many([_get(s, "customer_id") for s in sources]),
        loaders.sales_lines_by_document.load_many(stored),
        loaders.allocations_by_invoice.load_many(ids) if allocations else _nothing(len(ids)),
    )
    by_id = dict(zip(stored, loaded, strict=True))
    lines = [s.lines if isinstance(s, DocumentModel) else by_id[_get(s, "id")] for s in sources]
    return list(customers), lines, list(allocated)


async def _nothing(count: int) -> list[list[Any]]:
    return [[] for _ in range(count)]


async def invoices_of(
    info: strawberry.Info, sources: Sequence[Source], today: date
) -> list[Invoice]:
    if not sources:
        return []
    customers, lines, allocations = await _relations(info, sources, allocations=True)
    return [
        Invoice.of(s, today=today, customer=c, lines=x, allocations=a)
        for s, c, x, a in zip(sources, customers, lines, allocations, strict=True)
    ]


async def documents_of(info: strawberry.Info, sources: Sequence[Source]) -> list[SalesDocument]:
    if not sources:
        return []
    customers, lines, _ = await _relations(info, sources, allocations=False)
    return [
        SalesDocument.of(s, customer=c, lines=x)
        for s, c, x in zip(sources, customers, lines, strict=True)
    ]
