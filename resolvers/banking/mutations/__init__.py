import strawberry

from resolvers.banking.mutations.import_bank_statement import import_bank_statement
from resolvers.banking.mutations.lines import (
    auto_match_bank_lines,
    create_entry_from_bank_line,
    match_bank_line,
    unmatch_bank_line,
)
from schema.permissions import guarded


@strawberry.type
class BankingMutations:
    import_bank_statement = strawberry.mutation(
        resolver=import_bank_statement,
        **guarded(
            "journal:create",
            "Import a bank statement file (GraphQL multipart request) into a bank account:"
            " its balances are checked against its lines, lines already imported are skipped,"
            " and the new lines are auto-matched to posted entries on the account. A refused"
            " file writes nothing.",
        ),
    )
    auto_match_bank_lines = strawberry.mutation(
        resolver=auto_match_bank_lines,
        **guarded(
            "journal:create",
            "Auto-match a bank account's open lines again (after entries were posted).",
        ),
    )
    match_bank_line = strawberry.mutation(
        resolver=match_bank_line,
        **guarded(
            "journal:create",
            "Match a bank line to one or more posted journal lines on its account that sum to it.",
        ),
    )
    unmatch_bank_line = strawberry.mutation(
        resolver=unmatch_bank_line,
        **guarded("journal:create", "Open a matched bank line again."),
    )
    create_entry_from_bank_line = strawberry.mutation(
        resolver=create_entry_from_bank_line,
        **guarded(
            "journal:post",
            "Post the entry the books miss for a bank line (bank charges, interest): the"
            " bank account against `accountId` on the line's date, matched to the line. The"
            " rules of createJournalEntry(post: true) apply (journal:create and journal:post).",
        ),
    )
