"""The BNM client alone against the local server: what a run's job reports when the source
hangs, is gone, or sits where production may not call."""

from __future__ import annotations

from decimal import Decimal

import pytest

from adapters.exchange_rates.bnm import BnmRateSource
from adapters.webhooks.url_policy import ResolvingUrlPolicy
from domain.connectors.exchange_rates import ExchangeRateSettings, RateType
from domain.connectors.ports import SourceError, SourceProblem
from tests.conftest import free_port
from tests.connectors.bnm_server import BnmServer, record


def source(base_url: str, *, allow_private: bool = True, timeout: float = 5.0) -> BnmRateSource:
    settings = ExchangeRateSettings(base_url, ("USD",), RateType.SELLING)
    return BnmRateSource(
        settings, urls=ResolvingUrlPolicy(allow_private=allow_private), timeout=timeout
    )


async def test_the_chosen_rate_is_read_as_decimal_from_the_json_text(bnm: BnmServer) -> None:
    bnm.answer(
        raw='{"data": {"currency_code": "USD", "unit": 1, "rate": {"date": "2026-12-07", '
        '"buying_rate": 4.41, "selling_rate": 4.4500000000000001, "middle_rate": 4.43}}, '
        '"meta": {"last_updated": "2026-12-07 12:00:00"}}'
    )
    pulled = await source(bnm.base_url).pull({}, None, None)
    [only] = pulled.records
    # A float would have made it 4.45; the JSON text's digits are kept.
    assert only.values["rate"] == Decimal("4.4500000000000001")
    assert pulled.new_state == {"sourceUpdatedAt": "2026-12-07 12:00:00"}


async def test_a_hanging_a_missing_and_a_forbidden_source_are_typed_errors(
    bnm: BnmServer,
) -> None:
    bnm.answer([record("USD", 4.43)])
    bnm.delay = 2.0
    with pytest.raises(SourceError) as hung:
        await source(bnm.base_url, timeout=0.3).pull({}, None, None)
    assert hung.value.problem is SourceProblem.TIMEOUT
    with pytest.raises(SourceError) as gone:
        await source(f"http://127.0.0.1:{free_port()}/public").pull({}, None, None)
    assert gone.value.problem is SourceProblem.UNREACHABLE
    # Production (no private addresses): plain http to loopback is refused before any call.
    calls = len(bnm.seen)
    with pytest.raises(SourceError) as refused:
        await source(bnm.base_url, allow_private=False).pull({}, None, None)
    assert refused.value.problem is SourceProblem.REFUSED_URL
    assert "https" in refused.value.message and len(bnm.seen) == calls
