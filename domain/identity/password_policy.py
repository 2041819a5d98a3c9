"""The password rule: one function for every place a password is set — acceptInvitation over
the API, `bigledger tenant create --admin-password` and `bigledger user create --password`.

A password is refused when it is
- shorter than 12 characters: length is what slows guessing down, more than character classes;
- longer than 256: hashing is deliberately slow, so a huge "password" is cheap CPU to burn;
- one of the 10,000 most common passwords (any case), or one of them with digits or symbols
  around it ("Password2024!", "monkey123456789") — the list ships in this package;
- made of fewer than 5 different characters ("aaaaaaaaaaaa", "abababababab");
- a straight run of characters ("123456789012", "abcdefghijklm");
- the user's own email, its name part, or the tenant's slug or name.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable
from importlib import resources

from domain.shared.errors import DomainError, ErrorCode

MIN_LENGTH = 12
MAX_LENGTH = 256
MIN_DISTINCT_CHARACTERS = 5
COMMON_PASSWORDS_FILE = "common_passwords.txt"

# Digits, punctuation and spaces people wrap around a word to pass "must contain" rules.
_WRAPPED = re.compile(r"^[\W\d_]*(?P<core>.*?)[\W\d_]*$", re.DOTALL)


@functools.cache
def common_passwords() -> frozenset[str]:
    text = resources.files(__package__).joinpath(COMMON_PASSWORDS_FILE).read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def _step(a: str, b: str) -> int:
    if a.isdigit() and b.isdigit() and {a, b} == {"9", "0"}:  # 7890 1 2: digits wrap around
        return 1 if a == "9" else -1
    return ord(b) - ord(a)


def _is_run(text: str) -> bool:
    steps = {_step(a, b) for a, b in itertools.pairwise(text)}
    return steps in ({1}, {-1})


def password_problem(password: str, personal: Iterable[str | None] = ()) -> str | None:
    """What is wrong with a new password, in words a user can act on; None if it is fine.
    `personal`: the user's email, the tenant's slug and name, and the like."""
    if len(password) < MIN_LENGTH:
        return f"Choose a password of at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Choose a password of at most {MAX_LENGTH} characters."
    lowered = password.lower()
    match = _WRAPPED.match(lowered)
    core = match.group("core") if match else lowered
    common = common_passwords()
    if lowered in common or (len(core) >= 3 and core in common):
        return "This is one of the most common passwords (digits or symbols around it do not help)."
    if len(set(lowered)) < MIN_DISTINCT_CHARACTERS:
        return f"Use at least {MIN_DISTINCT_CHARACTERS} different characters."
    if _is_run(lowered):
        return "A run of consecutive characters is guessed at once; choose another password."
    for word in personal:
        words = {word.strip().lower()} if word else set()
        words |= {w.split("@")[0] for w in words if "@" in w}
        if lowered in words or core in words:
            return "Do not use your email or the tenant's name as your password."
    return None


def check_password(
    password: str, personal: Iterable[str | None] = (), field: str = "password"
) -> None:
    """Raises a typed INVALID error on `field` unless the password passes the rule."""
    problem = password_problem(password, personal)
    if problem is not None:
        raise DomainError.single(ErrorCode.INVALID, problem, field)
