"""The rules every party (customer or supplier) keeps, whatever its context."""

from __future__ import annotations

import re

CODE_MAX = 30
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")  # letters, digits, '.', '_', '/', '-'
NAME_MAX = 255
PAYMENT_TERMS_MAX = 3650  # days: ten years
