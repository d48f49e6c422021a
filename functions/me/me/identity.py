"""Who is calling, from the identity API Gateway puts in the request context for a request signed with IAM
credentials: never from anything the caller sends (a header or a body can say anything)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# The documented form (the API Gateway developer guide, "$context variables"):
#   cognito-idp.<region>.amazonaws.com/<poolId>,cognito-idp.<region>.amazonaws.com/<poolId>:CognitoSignIn:<sub>
SIGN_IN = re.compile(r"cognito-idp\.[a-z0-9-]+\.amazonaws\.com/(?P<pool>[^,:/\s]+):CognitoSignIn:(?P<sub>[^,:\s]+)")


def caller(identity: Mapping[str, Any] | None) -> dict[str, str | None]:
    """The answer of GET /me: the identity pool's ids, the user pool and ``sub`` of the token the credentials were
    issued for (parsed from ``cognitoAuthenticationProvider``), and the caller's ARN. Credentials that do not come
    from an identity pool give their ARN and nulls."""
    identity = identity or {}
    provider = identity.get("cognitoAuthenticationProvider")
    found = SIGN_IN.search(provider) if isinstance(provider, str) else None
    return {
        "identityId": _text(identity.get("cognitoIdentityId")),
        "identityPoolId": _text(identity.get("cognitoIdentityPoolId")),
        "userPoolId": found.group("pool") if found else None,
        "sub": found.group("sub") if found else None,
        "userArn": _text(identity.get("userArn")),
    }


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
