import strawberry

from resolvers.accounting.mutations.close_period import close_period
from resolvers.accounting.mutations.create_account import create_account
from resolvers.accounting.mutations.create_fiscal_year import create_fiscal_year
from resolvers.accounting.mutations.create_journal_entry import create_journal_entry
from resolvers.accounting.mutations.lock_period import lock_period
from resolvers.accounting.mutations.post_journal_entries import (
    post_journal_entries_resolver,
)
from resolvers.accounting.mutations.post_journal_entry import post_journal_entry
from resolvers.accounting.mutations.reopen_period import reopen_period
from resolvers.accounting.mutations.reverse_journal_entry import reverse_journal_entry
from resolvers.accounting.mutations.update_account import update_account
from schema.permissions import guarded


@strawberry.type
class AccountingMutations:
    create_account = strawberry.mutation(
        resolver=create_account,
        **guarded("account:create", "Open an account in a company's chart of accounts."),
    )
    update_account = strawberry.mutation(
        resolver=update_account,
        **guarded(
            "account:update",
            "Change an account (send the version you last read). An account with postings "
            "keeps its type; deactivate it with isActive: false.",
        ),
    )
    create_fiscal_year = strawberry.mutation(
        resolver=create_fiscal_year,
        **guarded("period:create", "A fiscal year of monthly periods, all open."),
    )
    close_period = strawberry.mutation(
        resolver=close_period,
        **guarded("period:close", "Close an open period: nothing more posts into it."),
    )
    reopen_period = strawberry.mutation(
        resolver=reopen_period,
        **guarded("period:reopen", "Reopen a closed period (a locked one never reopens)."),
    )
    lock_period = strawberry.mutation(
        resolver=lock_period,
        **guarded("period:lock", "Lock a period for good."),
    )
    create_journal_entry = strawberry.mutation(
        resolver=create_journal_entry,
        **guarded(
            "journal:create",
            "A journal entry that balances in base currency: a draft, or posted at once with "
            "post: true (which needs journal:post too).",
        ),
    )
    post_journal_entry = strawberry.mutation(
        resolver=post_journal_entry,
        **guarded(
            "journal:post",
            "Post a draft into its open period; it gets the next gapless entry number.",
        ),
    )
    post_journal_entries = strawberry.mutation(
        resolver=post_journal_entries_resolver,
        **guarded(
            "journal:post",
            "Post up to 1,000 entries in one transaction, all or nothing: if any entry is "
            "invalid nothing is written and every error is listed (`entries.<i>.…`).",
        ),
    )
    reverse_journal_entry = strawberry.mutation(
        resolver=reverse_journal_entry,
        **guarded(
            "journal:reverse",
            "Post the mirror of a posted entry (on `date`, default the original's) and mark "
            "the original reversed.",
        ),
    )
