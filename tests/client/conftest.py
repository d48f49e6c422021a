"""The client against real listeners on 127.0.0.1: moto for Cognito and STS, a SigV4-checking API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from support.api_server import SigV4Api
from support.aws_server import CountingMotoServer

from groupgate.cache import SessionCache
from groupgate.session import Session
from groupgate.settings import Settings

REGION = "us-east-1"
UNSET = (
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
    "AWS_ENDPOINT_URL_COGNITO_IDENTITY",
    "AWS_ENDPOINT_URL_STS",
    "GROUPGATE_PASSWORD",
    "GROUPGATE_NEW_PASSWORD",
    "GROUPGATE_CACHE_DIR",
)
PASSWORD = "Correct-Horse-9-battery"  # meets the template's policy: 12+ characters, all four classes


@pytest.fixture(scope="package", autouse=True)
def fake_aws() -> Iterator[None]:
    """Fake credentials and no endpoint variables, for this package's tests only."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
        }.items():
            patch.setenv(name, value)
        for name in UNSET:
            patch.delenv(name, raising=False)
        yield


@pytest.fixture(scope="package")
def aws(fake_aws: None) -> Iterator[CountingMotoServer]:
    with CountingMotoServer() as server:
        yield server


@pytest.fixture(scope="package")
def api(fake_aws: None) -> Iterator[SigV4Api]:
    with SigV4Api() as server:
        yield server


class FakeClock:
    """The session's clock, moved forward by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Stack:
    """A user pool, app client, group and identity pool in moto, as template.yaml makes them."""

    outputs: dict[str, str]
    outputs_file: Path
    admin: Any  # a boto3 cognito-idp client with admin rights

    @property
    def settings(self) -> Settings:
        return Settings(
            api_url=self.outputs["ApiUrl"],
            region=REGION,
            user_pool_id=self.outputs["UserPoolId"],
            client_id=self.outputs["UserPoolClientId"],
            identity_pool_id=self.outputs["IdentityPoolId"],
            endpoint_url=self.outputs["Endpoint"],
        )

    def confirmed_user(self, username: str, *, group: bool = True) -> str:
        self.admin.sign_up(
            ClientId=self.outputs["UserPoolClientId"],
            Username=username,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
        )
        self.admin.admin_confirm_sign_up(UserPoolId=self.outputs["UserPoolId"], Username=username)
        if group:
            self.admin.admin_add_user_to_group(
                UserPoolId=self.outputs["UserPoolId"], Username=username, GroupName="exgroup"
            )
        return username


@pytest.fixture
def stack(aws: CountingMotoServer, api: SigV4Api, tmp_path: Path) -> Stack:
    admin = boto3.client("cognito-idp", endpoint_url=aws.url, region_name=REGION)
    pool = admin.create_user_pool(
        PoolName="groupgate-users",
        AliasAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireUppercase": True, "RequireLowercase": True,
                                     "RequireNumbers": True, "RequireSymbols": True}},
    )["UserPool"]  # fmt: skip
    client = admin.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="groupgate-client",
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"],
    )["UserPoolClient"]
    admin.create_group(GroupName="exgroup", UserPoolId=pool["Id"], Precedence=0)
    identity = boto3.client("cognito-identity", endpoint_url=aws.url, region_name=REGION)
    identity_pool = identity.create_identity_pool(
        IdentityPoolName="groupgate-identities",
        AllowUnauthenticatedIdentities=False,
        AllowClassicFlow=False,
        CognitoIdentityProviders=[
            {"ProviderName": f"cognito-idp.{REGION}.amazonaws.com/{pool['Id']}", "ClientId": client["ClientId"]}
        ],
    )
    outputs = {
        "ApiUrl": api.url,
        "Region": REGION,
        "UserPoolId": pool["Id"],
        "UserPoolClientId": client["ClientId"],
        "IdentityPoolId": identity_pool["IdentityPoolId"],
        "GroupName": "exgroup",
        "Endpoint": aws.url,
    }
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps(outputs))
    return Stack(outputs, outputs_file, admin)


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def session(stack: Stack, cache_dir: Path, clock: FakeClock) -> Session:
    return Session(stack.settings, cache=SessionCache(cache_dir), clock=clock)
