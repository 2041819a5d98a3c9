from functools import lru_cache
from zoneinfo import available_timezones


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_timezone(name: str) -> bool:
    """An IANA zone name such as 'Asia/Kuala_Lumpur' (tzdata ships with the app)."""
    return name in _zones()
