from datetime import UTC, datetime


def utcnow() -> datetime:
    """Timestamps are timezone-aware UTC everywhere; shown in the tenant's timezone at the edge."""
    return datetime.now(UTC)
