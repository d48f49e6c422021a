"""What the adversarial suites share: a deployed local cloud with a clock the tests move, its users, and
the one way each suite asks for an AWS error (boto3's, or a raw request's ``__type`` and ``message``).

Each suite's cases name the answer AWS gives and where that answer is written down (``SOURCE`` strings:
``shared/AWS-SEMANTICS.md`` sections, AWS guides, public threads); where AWS does not document it, the case
says "chosen" and the local cloud's docstring says why.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

from groupgate.local.cloud import LocalCloud
from support.local_cloud import Clock, code_from_mail

PASSWORD = "Correct-Horse-9-battery"
TEMPORARY = "Temporary-Pass-1!"


@dataclass
class Hostile:
    cloud: LocalCloud
    outputs: dict[str, str]
    clock: Clock
    idp: Any
    identity: Any

    @property
    def pool(self) -> str:
        return self.outputs["UserPoolId"]

    @property
    def client(self) -> str:
        return self.outputs["UserPoolClientId"]

    @property
    def provider(self) -> str:
        return f"cognito-idp.{self.outputs['Region']}.amazonaws.com/{self.pool}"

    # ------------------------------------------------------------ users
    def name(self, stem: str) -> str:
        """A user name no other test uses (the cloud is shared by a module's tests)."""
        return f"{stem}-{uuid.uuid4().hex[:8]}"

    def member(self, stem: str, password: str = PASSWORD) -> str:
        """A confirmed user in the group, with ``password``."""
        name = self.name(stem)
        self.idp.admin_create_user(
            UserPoolId=self.pool, Username=name, MessageAction="SUPPRESS",
            UserAttributes=[
                {"Name": "email", "Value": f"{name}@example.com"}, {"Name": "email_verified", "Value": "true"},
            ],
        )  # fmt: skip
        self.idp.admin_set_user_password(UserPoolId=self.pool, Username=name, Password=password, Permanent=True)
        self.idp.admin_add_user_to_group(UserPoolId=self.pool, Username=name, GroupName=self.outputs["GroupName"])
        return name

    def admin_created(self, stem: str) -> str:
        """A user an administrator made, still FORCE_CHANGE_PASSWORD with the temporary password."""
        name = self.name(stem)
        self.idp.admin_create_user(
            UserPoolId=self.pool, Username=name, MessageAction="SUPPRESS", TemporaryPassword=TEMPORARY,
            UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}],
        )  # fmt: skip
        return name

    def recreate(self, name: str) -> None:
        """A new user under the name of one just deleted (another ``sub``)."""
        self.idp.admin_create_user(
            UserPoolId=self.pool, Username=name, MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}],
        )  # fmt: skip

    def signed_up(self, stem: str) -> str:
        name = self.name(stem)
        self.idp.sign_up(
            ClientId=self.client, Username=name, Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}],
        )  # fmt: skip
        return name

    def code(self, name: str) -> str:
        return code_from_mail(self.cloud, f"{name}@example.com")

    def status(self, name: str) -> str:
        return str(self.idp.admin_get_user(UserPoolId=self.pool, Username=name)["UserStatus"])

    # ------------------------------------------------------------ signing in
    def password_sign_in(self, name: str, password: str = PASSWORD) -> dict[str, Any]:
        answer: dict[str, Any] = self.idp.admin_initiate_auth(
            UserPoolId=self.pool, ClientId=self.client, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": name, "PASSWORD": password},
        )  # fmt: skip
        return answer

    def tokens(self, name: str, password: str = PASSWORD) -> dict[str, str]:
        result: dict[str, str] = self.password_sign_in(name, password)["AuthenticationResult"]
        return result

    def srp_sign_in(self, name: str, password: str = PASSWORD) -> dict[str, Any]:
        srp = AWSSRP(username=name, password=password, pool_id=self.pool, client_id=self.client, client=self.idp)
        answer: dict[str, Any] = srp.authenticate_user()
        return answer

    def srp_answer(self, name: str, password: str = PASSWORD) -> dict[str, str]:
        """A started USER_SRP_AUTH and the PASSWORD_VERIFIER answer the password makes, not yet sent."""
        srp = AWSSRP(username=name, password=password, pool_id=self.pool, client_id=self.client, client=self.idp)
        started = self.idp.initiate_auth(
            ClientId=self.client, AuthFlow="USER_SRP_AUTH", AuthParameters=srp.get_auth_params()
        )
        answer: dict[str, str] = srp.process_challenge(started["ChallengeParameters"], srp.get_auth_params())
        return answer

    def identity_id(self, id_token: str) -> str:
        found = self.identity.get_id(IdentityPoolId=self.outputs["IdentityPoolId"], Logins={self.provider: id_token})
        return str(found["IdentityId"])

    # ------------------------------------------------------------ raw requests
    def post(self, target: str, body: bytes | str, headers: dict[str, str] | None = None) -> requests.Response:
        """A request to the endpoint as no SDK would send it."""
        return requests.post(
            self.outputs["Endpoint"],
            data=body.encode() if isinstance(body, str) else body,
            headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1", **(headers or {})},
            timeout=30,
        )


def refusal(call: Any, **arguments: Any) -> tuple[str, str]:
    """The (code, message) of the AWS error ``call`` gets; fails the test if it succeeds."""
    with pytest.raises(ClientError) as raised:
        call(**arguments)
    detail = raised.value.response["Error"]
    return str(detail["Code"]), str(detail["Message"])


def error_of(answer: requests.Response) -> tuple[int, str, str]:
    """(status, __type, message) of a raw answer, which must be AWS's JSON error shape."""
    assert answer.headers["Content-Type"].startswith("application/x-amz-json-1.1"), answer.text
    body = json.loads(answer.content)
    return answer.status_code, str(body["__type"]), str(body.get("message", ""))
