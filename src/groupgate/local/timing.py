"""Comparing secrets (passwords, codes, signatures, session tokens) in constant time, whatever they hold.

``hmac.compare_digest`` refuses ``str`` values outside ASCII with a TypeError, and a password, a code or a
forged header may hold any character: both sides are compared as UTF-8 bytes instead (surrogates, which
a header decoded as Latin-1 or a JSON escape can carry, kept as they are).
"""

from __future__ import annotations

import hmac


def same_secret(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8", "surrogatepass"), str(given).encode("utf-8", "surrogatepass"))
