"""The local cloud's Cognito, identity pool and Lambda behaviour, one AWS rule at a time, through boto3."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from support.hostile import PASSWORD, Hostile
from support.local_cloud import Clock, admin, code_from_mail, deployed

from groupgate.local.awslambda.functions import Function, find_python


class Cloud(Hostile):
    """The adversarial suites' cloud, with users of fixed names."""

    def sign_up(self, username: str) -> None:
        self.idp.sign_up(
            ClientId=self.client, Username=username, Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
        )  # fmt: skip

    def confirmed(self, username: str) -> None:
        self.sign_up(username)
        code = code_from_mail(self.cloud, f"{username}@example.com")
        self.idp.confirm_sign_up(ClientId=self.client, Username=username, ConfirmationCode=code)

    def groups(self, username: str) -> list[str]:
        found = self.idp.admin_list_groups_for_user(UserPoolId=self.pool, Username=username)
        return [g["GroupName"] for g in found["Groups"]]


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    clock = Clock()
    with deployed(tmp_path_factory.mktemp("behaviour"), clock=clock) as (local, outputs):
        yield Cloud(local, outputs, clock, admin(outputs), admin(outputs, "cognito-identity"))


def error_of(call: Any, **arguments: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**arguments)
    detail = raised.value.response["Error"]
    return detail["Code"], detail["Message"]


# ---------------------------------------------------------------- user pools
def test_only_the_emailed_code_confirms(cloud: Cloud) -> None:
    cloud.sign_up("carol")
    good = code_from_mail(cloud.cloud, "carol@example.com")
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"

    refused = error_of(cloud.idp.confirm_sign_up, ClientId=cloud.client, Username="carol", ConfirmationCode=wrong)
    cloud.idp.confirm_sign_up(ClientId=cloud.client, Username="carol", ConfirmationCode=good)

    assert refused == ("CodeMismatchException", "Invalid verification code provided, please try again.")
    assert cloud.groups("carol") == [cloud.outputs["GroupName"]]


def test_a_resent_code_replaces_the_first(cloud: Cloud) -> None:
    cloud.sign_up("dora")
    first = code_from_mail(cloud.cloud, "dora@example.com")
    cloud.idp.resend_confirmation_code(ClientId=cloud.client, Username="dora")
    second = code_from_mail(cloud.cloud, "dora@example.com")

    assert error_of(cloud.idp.confirm_sign_up, ClientId=cloud.client, Username="dora", ConfirmationCode=first)[0] == (
        "CodeMismatchException" if first != second else "NotAuthorizedException"
    )
    cloud.idp.confirm_sign_up(ClientId=cloud.client, Username="dora", ConfirmationCode=second)


def test_a_user_name_that_looks_like_an_email_is_refused_with_an_email_alias(cloud: Cloud) -> None:
    code, message = error_of(
        cloud.idp.sign_up, ClientId=cloud.client, Username="eve@example.com", Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "eve@example.com"}],
    )  # fmt: skip

    assert code == "InvalidParameterException"
    assert "email alias" in message


def test_signing_in_before_confirming_says_so(cloud: Cloud) -> None:
    cloud.sign_up("fred")

    assert error_of(
        cloud.idp.admin_initiate_auth, UserPoolId=cloud.pool, ClientId=cloud.client,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "fred", "PASSWORD": PASSWORD},
    )[0] == "UserNotConfirmedException"  # fmt: skip


def test_a_revoked_refresh_token_is_refused(cloud: Cloud) -> None:
    cloud.confirmed("gina")
    refresh = cloud.tokens("gina")["RefreshToken"]

    cloud.idp.revoke_token(Token=refresh, ClientId=cloud.client)

    assert error_of(
        cloud.idp.initiate_auth, ClientId=cloud.client, AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": refresh},
    ) == ("NotAuthorizedException", "Refresh Token has been revoked")  # fmt: skip


def test_the_jwks_is_served_where_cognito_serves_it(cloud: Cloud) -> None:
    import requests

    keys = requests.get(f"{cloud.outputs['Endpoint']}/{cloud.pool}/.well-known/jwks.json", timeout=10).json()["keys"]

    assert [k["alg"] for k in keys] == ["RS256"]


# ---------------------------------------------------------------- the trigger
def test_without_its_permission_cognito_cannot_call_the_trigger_but_the_user_is_confirmed(cloud: Cloud) -> None:
    saved = list(cloud.cloud.lambdas.permissions)
    cloud.cloud.lambdas.permissions.clear()
    try:
        cloud.sign_up("hank")
        code = code_from_mail(cloud.cloud, "hank@example.com")
        refused = error_of(cloud.idp.confirm_sign_up, ClientId=cloud.client, Username="hank", ConfirmationCode=code)
    finally:
        cloud.cloud.lambdas.permissions[:] = saved

    assert refused[0] == "UserLambdaValidationException"
    assert "PostConfirmation failed with error AccessDeniedException" in refused[1]
    assert cloud.idp.admin_get_user(UserPoolId=cloud.pool, Username="hank")["UserStatus"] == "CONFIRMED"
    assert cloud.groups("hank") == []


def test_a_failing_trigger_is_tried_three_times_then_reported(cloud: Cloud) -> None:
    function = next(f for f in cloud.cloud.lambdas.functions.values() if f.handler.startswith("post_confirmation"))
    # As UpdateFunctionConfiguration changes it: a new configuration, so new execution environments.
    broken = dataclasses.replace(function, environment={**function.environment, "GROUP_NAME": "no-such-group"})
    cloud.cloud.lambdas.add_function(broken)
    log = cloud.cloud.state_dir / "logs" / f"{function.name}.log"
    before = log.read_text().count("START RequestId") if log.exists() else 0
    try:
        cloud.sign_up("ivan")
        code = code_from_mail(cloud.cloud, "ivan@example.com")
        refused = error_of(cloud.idp.confirm_sign_up, ClientId=cloud.client, Username="ivan", ConfirmationCode=code)
    finally:
        cloud.cloud.lambdas.add_function(function)

    assert refused[0] == "UserLambdaValidationException"
    assert refused[1].startswith("PostConfirmation failed with error ")
    assert log.read_text().count("START RequestId") - before == 3


# ---------------------------------------------------------------- the identity pool
def test_the_same_user_keeps_one_identity_id(cloud: Cloud) -> None:
    cloud.confirmed("judy")
    logins = {cloud.provider: cloud.tokens("judy")["IdToken"]}

    first = cloud.identity.get_id(IdentityPoolId=cloud.outputs["IdentityPoolId"], Logins=logins)["IdentityId"]
    again = cloud.identity.get_id(
        IdentityPoolId=cloud.outputs["IdentityPoolId"], Logins={cloud.provider: cloud.tokens("judy")["IdToken"]}
    )["IdentityId"]

    assert first == again


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        ("expired", "Invalid login token. Token expired: "),
        ("tampered", "Invalid login token. Couldn't verify signed token."),
        ("access token", "Invalid login token. Not a valid OpenId Connect identity token."),
        ("other provider", "Token is not from a supported provider of this identity pool."),
        ("signed out", "Invalid login token. The user pool no longer honours this token"),
    ],
)
def test_a_bad_login_token_is_refused_with_the_identity_pools_message(cloud: Cloud, spoil: str, message: str) -> None:
    username = cloud.name("k")  # unique: a name made from hash(spoil) could collide
    cloud.confirmed(username)
    tokens = cloud.tokens(username)
    token, provider, clock = tokens["IdToken"], cloud.provider, cloud.cloud.identity_pools.clock
    if spoil == "expired":
        cloud.cloud.identity_pools.clock = lambda: time.time() + 2 * 3600
    elif spoil == "tampered":
        head, body, signature = token.split(".")
        token = ".".join([head, body, signature[:-4] + ("AAAA" if not signature.endswith("AAAA") else "BBBB")])
    elif spoil == "access token":
        token = tokens["AccessToken"]
    elif spoil == "other provider":
        provider = "cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"
    else:
        cloud.idp.admin_user_global_sign_out(UserPoolId=cloud.pool, Username=username)
    try:
        refused = error_of(
            cloud.identity.get_id, IdentityPoolId=cloud.outputs["IdentityPoolId"], Logins={provider: token}
        )
    finally:
        cloud.cloud.identity_pools.clock = clock

    assert refused[0] == "NotAuthorizedException"
    assert refused[1].startswith(message)


def test_a_role_whose_trust_lacks_the_pool_gets_invalid_configuration(cloud: Cloud) -> None:
    iam = admin(cloud.outputs, "iam")
    role = iam.create_role(RoleName="untrusting", AssumeRolePolicyDocument='{"Statement": []}')["Role"]["Arn"]
    pool = cloud.outputs["IdentityPoolId"]
    saved = cloud.identity.get_identity_pool_roles(IdentityPoolId=pool)
    cloud.identity.set_identity_pool_roles(IdentityPoolId=pool, Roles={"authenticated": role})
    try:
        cloud.confirmed("lena")
        logins = {cloud.provider: cloud.tokens("lena")["IdToken"]}
        identity = cloud.identity.get_id(IdentityPoolId=pool, Logins=logins)["IdentityId"]
        refused = error_of(cloud.identity.get_credentials_for_identity, IdentityId=identity, Logins=logins)
    finally:
        cloud.identity.set_identity_pool_roles(
            IdentityPoolId=pool, Roles=saved["Roles"], RoleMappings=saved["RoleMappings"]
        )

    assert refused == (
        "InvalidIdentityPoolConfigurationException",
        "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
    )


def test_rules_role_mapping_picks_the_first_matching_rule(cloud: Cloud) -> None:
    pool = cloud.outputs["IdentityPoolId"]
    saved = cloud.identity.get_identity_pool_roles(IdentityPoolId=pool)
    key = f"{cloud.provider}:{cloud.client}"
    group_role = cloud.outputs["GroupRoleArn"]
    rules = {
        "Type": "Rules",
        "AmbiguousRoleResolution": "Deny",
        "RulesConfiguration": {
            "Rules": [
                {
                    "Claim": "email",
                    "MatchType": "StartsWith",
                    "Value": "zz",
                    "RoleARN": saved["Roles"]["authenticated"],
                },
                {"Claim": "cognito:groups", "MatchType": "Contains", "Value": "exgroup", "RoleARN": group_role},
            ]
        },
    }
    cloud.identity.set_identity_pool_roles(IdentityPoolId=pool, Roles=saved["Roles"], RoleMappings={key: rules})
    try:
        cloud.confirmed("mona")
        logins = {cloud.provider: cloud.tokens("mona")["IdToken"]}
        identity = cloud.identity.get_id(IdentityPoolId=pool, Logins=logins)["IdentityId"]
        issued = cloud.identity.get_credentials_for_identity(IdentityId=identity, Logins=logins)["Credentials"]
    finally:
        cloud.identity.set_identity_pool_roles(
            IdentityPoolId=pool, Roles=saved["Roles"], RoleMappings=saved["RoleMappings"]
        )

    found = cloud.cloud.credentials.get(issued["AccessKeyId"])
    assert found is not None
    assert found.role_arn == cloud.outputs["GroupRoleArn"]


# ---------------------------------------------------------------- functions
def _function(cloud: Cloud, tmp: Path, body: str, timeout: float = 3) -> Function:
    code = tmp / "code"
    code.mkdir()
    (code / "probe.py").write_text(body)
    function = Function(
        name="probe", arn="arn:aws:lambda:us-east-1:123456789012:function:probe", code_dir=code,
        handler="probe.handler", runtime="python3.13", timeout=timeout, memory=128, environment={"A": "b"},
        layers=[], role_arn="",
    )  # fmt: skip
    cloud.cloud.lambdas.add_function(function)
    return function


def test_a_function_runs_in_its_own_process_with_the_runtimes_python_and_none_of_the_projects_packages(
    cloud: Cloud, tmp_path: Path
) -> None:
    _function(cloud, tmp_path, (
        "import sys, importlib.util, os\n"
        "def handler(event, context):\n"
        "    found = lambda name: importlib.util.find_spec(name) is not None\n"
        "    return {'python': '%d.%d' % sys.version_info[:2], 'pytest': found('pytest'), 'boto3': found('boto3'),\n"
        "            'A': os.environ['A'], 'left': context.get_remaining_time_in_millis()}\n"
    ))  # fmt: skip

    result = cloud.cloud.lambdas.invoke("probe", {})

    assert result.ok, result.logs
    assert result.payload["pytest"] is False  # the project's venv is not on its path
    assert result.payload["boto3"] is True  # the runtime's is
    assert result.payload["A"] == "b"
    assert 0 < result.payload["left"] <= 3000
    if find_python("3.13"):
        assert result.payload["python"] == "3.13"


def test_a_function_that_runs_past_its_timeout_is_stopped(cloud: Cloud, tmp_path: Path) -> None:
    _function(cloud, tmp_path, "import time\ndef handler(event, context):\n    time.sleep(30)\n", timeout=1)

    result = cloud.cloud.lambdas.invoke("probe", {})

    assert (result.ok, result.error_type) == (False, "Sandbox.Timedout")
    assert result.error_message == "Task timed out after 1.00 seconds"


def test_a_function_that_raises_answers_lambdas_error_shape(cloud: Cloud, tmp_path: Path) -> None:
    _function(cloud, tmp_path, "def handler(event, context):\n    raise ValueError('nope')\n")

    result = cloud.cloud.lambdas.invoke("probe", {})

    assert (result.ok, result.error_type, result.error_message) == (False, "ValueError", "nope")
    assert re.search(r"\[ERROR\] ValueError: nope", result.logs)
