from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.connectors.bnm_server import BnmServer


@pytest.fixture
def bnm() -> Iterator[BnmServer]:
    with BnmServer() as server:
        yield server
