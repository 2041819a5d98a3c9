"""The job aggregate: queued -> validating -> validated -> committing -> succeeded, or failed /
cancelled. A dry run stops at validated. Rows are checked first (every row, nothing written);
only a file without a row error is committed, batch by batch, each batch one transaction that
also records it as the job's last committed batch, so a crashed run resumes after it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.shared.errors import DomainError, ErrorCode
from domain.shared.events import RecordedEvent

JOB = "Job"
IMPORT_STARTED = "ImportStarted"
IMPORT_FINISHED = "ImportFinished"
IDEMPOTENCY_KEY_MAX = 200
BATCH_SIZE_DEFAULT = 500
BATCH_SIZE_MAX = 10_000


class JobKind(StrEnum):
    """What a job imports or exports (the file's row schema: domain/imports)."""

    CUSTOMERS = "customers"
    SUPPLIERS = "suppliers"
    PRODUCTS = "products"
    ACCOUNTS = "accounts"  # chart of accounts
    EXCHANGE_RATES = "exchange_rates"
    OPENING_BALANCES = "opening_balances"
    STOCK_ON_HAND = "stock_on_hand"
    SALES_INVOICES = "sales_invoices"
    CONNECTOR_RUN = "connector_run"  # a connector's pull (domain/connectors), not a file


class JobState(StrEnum):
    QUEUED = "queued"
    VALIDATING = "validating"
    VALIDATED = "validated"  # a dry run ends here; a real run goes on to committing
    COMMITTING = "committing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINAL_STATES = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED})
ACTIVE_STATES = frozenset({JobState.QUEUED, JobState.VALIDATING, JobState.COMMITTING})
_NEXT: dict[JobState, frozenset[JobState]] = {
    JobState.QUEUED: frozenset({JobState.VALIDATING, JobState.FAILED, JobState.CANCELLED}),
    JobState.VALIDATING: frozenset({JobState.VALIDATED, JobState.FAILED, JobState.CANCELLED}),
    JobState.VALIDATED: frozenset({JobState.COMMITTING, JobState.FAILED, JobState.CANCELLED}),
    JobState.COMMITTING: frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED}),
}


@dataclass(frozen=True)
class RowError:
    """One problem of one row: `row` is the file's line (1 = the header), `column` the header
    as the file spelled it (None: the whole row or file)."""

    row: int
    column: str | None
    code: str
    message: str


@dataclass
class Job:
    id: uuid.UUID
    company_id: uuid.UUID
    kind: JobKind
    state: JobState
    dry_run: bool
    file_name: str
    file_format: str  # csv | xlsx
    file_size: int
    fingerprint: str  # what makes a second start with the same key "the same job"
    idempotency_key: str | None
    options: dict[str, Any]
    batch_size: int
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime
    rows_total: int = 0
    rows_done: int = 0
    error_count: int = 0
    batches_committed: int = 0  # the last batch whose rows are in the books (1-based count)
    attempts: int = 0  # runs started: more than one means the job was resumed
    cancel_requested: bool = False
    failure: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    events: list[RecordedEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def start(
        cls,
        *,
        company_id: uuid.UUID,
        kind: JobKind,
        dry_run: bool,
        file_name: str,
        file_format: str,
        file_size: int,
        fingerprint: str,
        idempotency_key: str | None,
        options: dict[str, Any],
        batch_size: int | None,
        actor: uuid.UUID,
        now: datetime,
    ) -> Job:
        size = BATCH_SIZE_DEFAULT if batch_size is None else batch_size
        if not 1 <= size <= BATCH_SIZE_MAX:
            raise DomainError.single(
                ErrorCode.INVALID, f"A batch is 1 to {BATCH_SIZE_MAX} rows.", "options.batchSize"
            )
        job = cls(
            id=uuid.uuid4(),
            company_id=company_id,
            kind=kind,
            state=JobState.QUEUED,
            dry_run=dry_run,
            file_name=file_name,
            file_format=file_format,
            file_size=file_size,
            fingerprint=fingerprint,
            idempotency_key=normalized_key(idempotency_key),
            options=options,
            batch_size=size,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        job.events.append(job._event(IMPORT_STARTED, now))
        return job

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    def move(self, state: JobState, now: datetime) -> None:
        if state not in _NEXT.get(self.state, frozenset()):
            raise DomainError.single(
                ErrorCode.INVALID_STATE, f"A {self.state} job cannot become {state}.", "id"
            )
        self.state = state
        self.updated_at = now
        if state in FINAL_STATES:
            self.finished_at = now
            self.events.append(self._event(IMPORT_FINISHED, now))

    def request_cancel(self, now: datetime) -> None:
        """A queued or validated job stops at once; a running one between two batches."""
        if self.is_final:
            raise DomainError.single(
                ErrorCode.INVALID_STATE, f"The job has already {self.state}.", "id"
            )
        if self.state in (JobState.QUEUED, JobState.VALIDATED):
            self.move(JobState.CANCELLED, now)
        else:
            self.cancel_requested = True
            self.updated_at = now

    def progress(self) -> dict[str, Any]:
        """What jobProgress streams."""
        return {
            "jobId": str(self.id),
            "state": str(self.state),
            "rowsDone": self.rows_done,
            "rowsTotal": self.rows_total,
            "errorCount": self.error_count,
            "attempts": self.attempts,
        }

    def _event(self, event_type: str, now: datetime) -> RecordedEvent:
        payload = {
            "companyId": str(self.company_id),
            "jobId": str(self.id),
            "kind": str(self.kind),
            "state": str(self.state),
            "dryRun": self.dry_run,
            "rowsTotal": self.rows_total,
            "rowsDone": self.rows_done,
            "errorCount": self.error_count,
        }
        return RecordedEvent(event_type, JOB, self.id, payload, now)


def normalized_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX:
        raise DomainError.single(
            ErrorCode.INVALID,
            f"An idempotency key has 1 to {IDEMPOTENCY_KEY_MAX} characters.",
            "idempotencyKey",
        )
    return key
