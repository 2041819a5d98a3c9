"""Batch jobs: an import (or another long piece of work) a worker runs in batches, with
progress, an error report, cancellation and an idempotency key. Pure domain: the job's states
and the rules of moving between them; db/repositories/jobs.py stores it, workers/jobs.py runs it."""

from domain.jobs.model import (
    ACTIVE_STATES,
    FINAL_STATES,
    JOB,
    Job,
    JobKind,
    JobState,
    RowError,
)

__all__ = [
    "ACTIVE_STATES",
    "FINAL_STATES",
    "JOB",
    "Job",
    "JobKind",
    "JobState",
    "RowError",
]
