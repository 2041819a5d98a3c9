"""Bank Negara Malaysia's public rates API, as a connector's PullSource.

`GET {base}/exchange-rate?quote=rm` with `Accept: application/vnd.BNM.API.v1+json` answers
`{"data": [{"currency_code": "USD", "unit": 1, "rate": {"date": "2026-12-07",
"buying_rate": 4.41, "selling_rate": 4.45, "middle_rate": 4.43}}], "meta": {...}}`: ringgit per
`unit` of the currency. Numbers are read as Decimal from the JSON text (never through float);
the records go to the domain unchecked (domain/connectors/exchange_rates.py checks them).
Redirects are not followed and the base URL is checked again before each call (DNS may have
changed since the connector was saved): the SSRF guard of webhook endpoints."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import httpx

from domain.connectors.exchange_rates import ExchangeRateSettings
from domain.connectors.ports import FeedRecord, Pulled, SourceError, SourceProblem
from domain.shared.errors import DomainError
from domain.webhooks.ports import UrlPolicy

ACCEPT = "application/vnd.BNM.API.v1+json"
MAX_BYTES = 2 * 1024 * 1024  # the whole table of rates is a few KB


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number")  # NaN / Infinity: JSON has no such numbers


class BnmRateSource:
    def __init__(
        self,
        settings: ExchangeRateSettings,
        *,
        urls: UrlPolicy,
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._settings = settings
        self._urls = urls
        self._timeout = timeout
        self._transport = transport

    async def pull(
        self,
        state: Mapping[str, Any],
        credentials: Mapping[str, str] | None,
        since: date | None,
    ) -> Pulled:
        try:
            base = (await self._urls.check(self._settings.base_url)).rstrip("/")
        except DomainError as exc:
            message = exc.errors[0].message.replace("The endpoint URL", "The base URL")
            raise SourceError(SourceProblem.REFUSED_URL, message) from exc
        headers = {"Accept": ACCEPT}
        if credentials and credentials.get("apiKey"):
            headers["Authorization"] = f"Bearer {credentials['apiKey']}"
        body = await self._get(f"{base}/exchange-rate", headers)
        try:
            answer = json.loads(body, parse_float=Decimal, parse_constant=_no_constants)
        except (ValueError, UnicodeDecodeError) as exc:
            raise SourceError(
                SourceProblem.BAD_RESPONSE, f"The rate source's answer is not JSON: {exc}."
            ) from exc
        data = answer.get("data") if isinstance(answer, dict) else None
        if isinstance(data, dict):
            data = [data]  # one currency asked for: BNM answers the object alone
        if not isinstance(data, list):
            raise SourceError(
                SourceProblem.BAD_RESPONSE,
                "The rate source's answer has no `data` list of rates.",
            )
        key = f"{self._settings.rate_type}_rate"
        records = []
        for row, item in enumerate(data, 1):
            item = item if isinstance(item, dict) else {}
            rate: dict[str, Any] = item["rate"] if isinstance(item.get("rate"), dict) else {}
            records.append(
                FeedRecord(
                    row,
                    {
                        "currency_code": item.get("currency_code"),
                        "unit": item.get("unit", 1),
                        "date": rate.get("date"),
                        "rate": rate.get(key),
                    },
                )
            )
        meta: dict[str, Any] = answer["meta"] if isinstance(answer.get("meta"), dict) else {}
        new_state = {"sourceUpdatedAt": str(meta["last_updated"])} if "last_updated" in meta else {}
        return Pulled(records, new_state)

    async def _get(self, url: str, headers: dict[str, str]) -> bytes:
        try:
            async with (
                httpx.AsyncClient(
                    timeout=self._timeout, follow_redirects=False, transport=self._transport
                ) as client,
                client.stream("GET", url, headers=headers, params={"quote": "rm"}) as response,
            ):
                if not response.is_success:
                    raise SourceError(
                        SourceProblem.HTTP_ERROR,
                        f"The rate source answered HTTP {response.status_code} "
                        f"{response.reason_phrase}.".rstrip(),
                    )
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > MAX_BYTES:
                        raise SourceError(
                            SourceProblem.BAD_RESPONSE,
                            f"The rate source's answer is larger than {MAX_BYTES:,} bytes.",
                        )
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.TimeoutException as exc:
            raise SourceError(
                SourceProblem.TIMEOUT,
                f"The rate source did not answer within {self._timeout:g} s.",
            ) from exc
        except httpx.HTTPError as exc:
            raise SourceError(
                SourceProblem.UNREACHABLE, f"The rate source cannot be reached: {exc}."
            ) from exc
