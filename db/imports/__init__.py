"""The committing side of imports: the books a kind's checks read, each kind's writer (the
context's own repositories in a SqlUnitOfWork per batch), the job runner and the exports."""
