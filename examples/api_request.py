"""The seed article's api_request.py, redone on the groupgate library.

The article signed in with SRP (warrant), traded the ID token for identity-pool credentials with
boto3, and signed the call with a signer copied from GitHub, with every id pasted in as a constant.
Here the ids come from the stack, the session is cached, and the signing is requests-aws4auth's.

    GROUPGATE_STACK_NAME=groupgate python examples/api_request.py exuser
    GROUPGATE_OUTPUTS=.local/outputs.json python examples/api_request.py exuser   # the local cloud

The password is asked for (or read from GROUPGATE_PASSWORD); a first sign-in of an admin-created user
asks for a new one, as Cognito's NEW_PASSWORD_REQUIRED challenge requires.
"""

from __future__ import annotations

import getpass
import os
import sys

import requests

from groupgate import GroupgateError, Session


def main(username: str) -> int:
    outputs = os.environ.get("GROUPGATE_OUTPUTS")
    session = (
        Session.from_outputs(outputs)
        if outputs
        else Session.from_stack(os.environ.get("GROUPGATE_STACK_NAME", "groupgate"))
    )
    password = os.environ.get("GROUPGATE_PASSWORD") or getpass.getpass(f"Password for {username}: ")
    try:
        session.login(username, password, new_password=lambda: getpass.getpass("New password: "))
    except GroupgateError as error:
        print(error, file=sys.stderr)
        return int(error.exit_code)

    response = requests.get(
        session.api_url, auth=session.auth(), headers={"Content-Type": "application/json"}, timeout=30
    )

    print("GET", "/", response.status_code)
    print(dict(response.headers))
    print(response.text)
    return 0 if response.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "exuser"))
