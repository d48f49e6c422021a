"""A real moto server on 127.0.0.1 playing Cognito user pools, and a client for it.

moto is the standard offline stand-in for AWS APIs; the functions talk to it over HTTP through
the ``AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`` setting, exactly as they would to AWS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
from moto.server import ThreadedMotoServer

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"


class MotoCognito:
    def __init__(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)

    def start(self) -> str:
        self._server.start()
        host, port = self._server.get_host_and_port()
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self._server.stop()


def cognito_client(endpoint: str) -> CognitoIdentityProviderClient:
    return boto3.client("cognito-idp", endpoint_url=endpoint, region_name="us-east-1")


@dataclass(frozen=True)
class Pool:
    """A user pool with the group the trigger fills, as the template makes it."""

    client: CognitoIdentityProviderClient
    pool_id: str
    group: str

    def add_confirmed_user(self, username: str) -> None:
        self.client.admin_create_user(
            UserPoolId=self.pool_id,
            Username=username,
            UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
            MessageAction="SUPPRESS",
        )

    def groups_of(self, username: str) -> list[str]:
        groups = self.client.admin_list_groups_for_user(UserPoolId=self.pool_id, Username=username)["Groups"]
        return [group["GroupName"] for group in groups]

    def members(self) -> list[str]:
        users = self.client.list_users_in_group(UserPoolId=self.pool_id, GroupName=self.group)["Users"]
        return [user["Username"] for user in users]


def make_pool(client: CognitoIdentityProviderClient, group: str) -> Pool:
    pool_id = client.create_user_pool(PoolName="groupgate-users", AliasAttributes=["email"])["UserPool"]["Id"]
    client.create_group(GroupName=group, UserPoolId=pool_id, Precedence=0)
    return Pool(client, pool_id, group)
