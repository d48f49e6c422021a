"""Where the local cloud once answered differently from AWS, each now checked against what AWS does."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from support.events import ROOT
from support.local_cloud import admin, code_from_mail, deployed

from groupgate.local.awslambda.functions import Function
from groupgate.local.cloudformation.engine import DeployError
from groupgate.local.cloudformation.template import Resolver, Stack, TemplateError, evaluate_conditions

PASSWORD = "Correct-Horse-9-battery"
SOURCE = (ROOT / "template.yaml").read_text()
RESOURCE_POLICY = "      Auth:\n        ResourcePolicy:\n          IpRangeBlacklist: [10.0.0.0/8]\n"


def copy_of(tmp: Path, text: str, functions: Path = ROOT / "functions") -> Path:
    folder = tmp / "project"
    folder.mkdir()
    (folder / "functions").symlink_to(functions)
    (folder / "layers").symlink_to(ROOT / "layers")
    (folder / "template.yaml").write_text(text)
    return folder / "template.yaml"


def stack_with(parameters: dict[str, Any], template: dict[str, Any] | None = None) -> Stack:
    return Stack("s", "us-east-1", "123456789012", ROOT, parameters, {}, template or {"Resources": {}}, {})


# ---------------------------------------------------------------- templates
def test_yaml_true_compares_and_substitutes_as_the_string_true() -> None:
    template = {"Conditions": {"On": {"Fn::Equals": [{"Ref": "Flag"}, True]}}, "Resources": {}}
    stack = stack_with({"Flag": "true"}, template)

    conditions = evaluate_conditions(template, stack.parameters, stack.pseudo())
    substituted = Resolver(stack).resolve({"Fn::Sub": ["flag=${F}", {"F": True}]}, "here")

    assert conditions == {"On": True}
    assert substituted == "flag=true"


def test_an_intrinsic_that_cannot_be_resolved_says_which_and_why() -> None:
    with pytest.raises(TemplateError, match=r"^here: Fn::Select \[5, \[1, 3\]\] cannot be resolved \(IndexError"):
        Resolver(stack_with({})).resolve({"Fn::Select": [5, [1, 3]]}, "here")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("    Condition: GuestsAllowed\n", "    Condition: NoSuchCondition\n"),
         "Unresolved condition dependencies: GuestRole (NoSuchCondition)"),
        (("  ApiAccessLogGroup:\n    Type: AWS::Logs::LogGroup\n",
          "  ApiAccessLogGroup:\n    Type: AWS::Logs::LogGroup\n    DependsOn: NoSuchResource\n"),
         "Unresolved resource dependencies ['NoSuchResource']"),
        (("      EndpointConfiguration:\n", RESOURCE_POLICY + "      EndpointConfiguration:\n"),
         "x-amazon-apigateway-policy (a resource policy) is not something"),
        (("  GroupRole:\n    Type: AWS::IAM::Role\n    Properties:\n",
          "  GroupRole:\n    Type: AWS::IAM::Role\n    Properties:\n"
          "      PermissionsBoundary: !Sub arn:${AWS::Partition}:iam::aws:policy/AWSDenyAll\n"),
         "PermissionsBoundary (a permissions boundary) is not something the local cloud applies"),
        (("      GenerateSecret: false\n", "      GenerateSecret: true\n"),
         "GenerateSecret (an app client secret (SECRET_HASH)) is not something the local cloud applies"),
        (("      AliasAttributes: [email]\n", "      AliasAttributes: [email]\n      MfaConfiguration: OPTIONAL\n"),
         "MfaConfiguration (multi-factor authentication) is not something the local cloud applies"),
    ],
    ids=["undefined condition", "unresolved DependsOn", "resource policy", "permissions boundary", "client secret",
         "MFA"],
)  # fmt: skip
def test_what_the_local_cloud_would_get_wrong_it_refuses_by_name(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    assert change[0] in SOURCE
    text = SOURCE.replace(change[0], change[1], 1)

    with pytest.raises(DeployError) as refused, deployed(tmp_path / "state", copy_of(tmp_path, text)):
        pass

    assert message in str(refused.value)


def test_a_custom_resource_that_never_answers_fails_the_deploy_and_leaves_no_process(tmp_path: Path) -> None:
    functions = tmp_path / "functions"
    (functions / "role_mapping" / "role_mapping").mkdir(parents=True)
    marker = f"sleeper-{time.time_ns()}"
    (functions / "role_mapping" / "role_mapping" / "__init__.py").write_text("")
    (functions / "role_mapping" / "role_mapping" / "app.py").write_text(
        f"import time\nMARKER = {marker!r}\ndef lambda_handler(event, context):\n    time.sleep(60)\n"
    )
    (functions / "post_confirmation").symlink_to(ROOT / "functions" / "post_confirmation")
    (functions / "me").symlink_to(ROOT / "functions" / "me")
    (functions / "cloudwatch_role").symlink_to(ROOT / "functions" / "cloudwatch_role")
    text = SOURCE.replace("      ServiceTimeout: 120\n", "      ServiceTimeout: 2\n")

    with (
        pytest.raises(DeployError, match="no answer from the custom resource within its ServiceTimeout"),
        deployed(tmp_path / "state", copy_of(tmp_path, text, functions)),
    ):
        pass

    time.sleep(0.5)
    running = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    assert str(functions / "role_mapping") not in running


# ---------------------------------------------------------------- the running cloud
@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, str]]]:
    with deployed(tmp_path_factory.mktemp("faithful")) as found:
        yield found


def confirmed(local: Any, outputs: dict[str, str], username: str) -> dict[str, str]:
    idp = admin(outputs)
    idp.sign_up(
        ClientId=outputs["UserPoolClientId"], Username=username, Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
    )  # fmt: skip
    idp.confirm_sign_up(
        ClientId=outputs["UserPoolClientId"],
        Username=username,
        ConfirmationCode=code_from_mail(local, f"{username}@example.com"),
    )
    tokens: dict[str, str] = idp.admin_initiate_auth(
        UserPoolId=outputs["UserPoolId"], ClientId=outputs["UserPoolClientId"], AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]  # fmt: skip
    return tokens


def test_a_password_flow_the_client_does_not_allow_is_refused(cloud: tuple[Any, dict[str, str]]) -> None:
    _, outputs = cloud
    with pytest.raises(ClientError) as refused:
        admin(outputs).initiate_auth(
            ClientId=outputs["UserPoolClientId"], AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "nobody", "PASSWORD": PASSWORD},
        )  # fmt: skip

    assert refused.value.response["Error"] == {
        "Code": "InvalidParameterException",
        "Message": "USER_PASSWORD_AUTH flow not enabled for this client",
    }


def test_a_sign_in_right_after_a_global_sign_out_is_honoured(cloud: tuple[Any, dict[str, str]]) -> None:
    local, outputs = cloud
    confirmed(local, outputs, "olga")
    idp, identity = admin(outputs), admin(outputs, "cognito-identity")

    idp.admin_user_global_sign_out(UserPoolId=outputs["UserPoolId"], Username="olga")
    fresh = idp.admin_initiate_auth(
        UserPoolId=outputs["UserPoolId"], ClientId=outputs["UserPoolClientId"], AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "olga", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["IdToken"]  # fmt: skip
    provider = f"cognito-idp.us-east-1.amazonaws.com/{outputs['UserPoolId']}"

    assert identity.get_id(IdentityPoolId=outputs["IdentityPoolId"], Logins={provider: fresh})["IdentityId"]


def test_an_admin_reset_mails_a_code_that_sets_a_new_password(cloud: tuple[Any, dict[str, str]]) -> None:
    local, outputs = cloud
    confirmed(local, outputs, "paul")
    idp = admin(outputs)

    idp.admin_reset_user_password(UserPoolId=outputs["UserPoolId"], Username="paul")
    code = local.mailbox.latest("paul@example.com").body.split()[-1].rstrip(".")
    idp.confirm_forgot_password(
        ClientId=outputs["UserPoolClientId"], Username="paul", ConfirmationCode=code, Password="Second-Pass-9!"
    )

    assert idp.admin_get_user(UserPoolId=outputs["UserPoolId"], Username="paul")["UserStatus"] == "CONFIRMED"


def _identity_pool_with(outputs: dict[str, str], mapping: dict[str, Any]) -> dict[str, Any]:
    identity = admin(outputs, "cognito-identity")
    saved: dict[str, Any] = identity.get_identity_pool_roles(IdentityPoolId=outputs["IdentityPoolId"])
    key = f"cognito-idp.us-east-1.amazonaws.com/{outputs['UserPoolId']}:{outputs['UserPoolClientId']}"
    identity.set_identity_pool_roles(
        IdentityPoolId=outputs["IdentityPoolId"], Roles=saved["Roles"], RoleMappings={key: mapping}
    )
    return saved


def _credentials(outputs: dict[str, str], token: str, custom: str | None = None) -> Any:
    identity = admin(outputs, "cognito-identity")
    logins = {f"cognito-idp.us-east-1.amazonaws.com/{outputs['UserPoolId']}": token}
    found = identity.get_id(IdentityPoolId=outputs["IdentityPoolId"], Logins=logins)["IdentityId"]
    return identity.get_credentials_for_identity(
        IdentityId=found, Logins=logins, **({"CustomRoleArn": custom} if custom else {})
    )


def test_a_not_equal_rule_on_a_missing_claim_is_not_evaluated(cloud: tuple[Any, dict[str, str]]) -> None:
    local, outputs = cloud
    token = confirmed(local, outputs, "quinn")["IdToken"]
    rule = {"Claim": "custom:team", "MatchType": "NotEqual", "Value": "x", "RoleARN": outputs["GroupRoleArn"]}
    saved = _identity_pool_with(
        outputs, {"Type": "Rules", "AmbiguousRoleResolution": "Deny", "RulesConfiguration": {"Rules": [rule]}}
    )
    try:
        with pytest.raises(ClientError) as refused:
            _credentials(outputs, token)
    finally:
        admin(outputs, "cognito-identity").set_identity_pool_roles(
            IdentityPoolId=outputs["IdentityPoolId"], Roles=saved["Roles"], RoleMappings=saved["RoleMappings"]
        )

    assert "The ambiguous role mapping rules for:" in refused.value.response["Error"]["Message"]


def test_a_custom_role_the_token_does_not_offer_is_refused(cloud: tuple[Any, dict[str, str]]) -> None:
    local, outputs = cloud
    token = confirmed(local, outputs, "rosa")["IdToken"]
    other = "arn:aws:iam::123456789012:role/SomeOtherRole"

    with pytest.raises(ClientError) as refused:
        _credentials(outputs, token, custom=other)

    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_the_access_log_names_the_callers_cognito_identity(cloud: tuple[Any, dict[str, str]], tmp_path: Path) -> None:
    local, outputs = cloud
    from groupgate.cache import SessionCache
    from groupgate.session import Session

    confirmed(local, outputs, "sara")
    session = Session.from_outputs(local.state_dir / "outputs.json", cache=SessionCache(tmp_path))
    session.login("sara", PASSWORD)
    import requests

    assert requests.get(session.api_url, auth=session.auth(), timeout=10).status_code == 200
    [log] = list((local.state_dir / "logs").glob("api-*-access.log"))
    last = json.loads(log.read_text().splitlines()[-1])
    assert last["cognitoIdentityId"] == session.identity_id
    assert last["status"] == "200"


# ---------------------------------------------------------------- functions
def _probe(local: Any, tmp: Path, runtime: str) -> Function:
    code = tmp / "code"
    code.mkdir()
    (code / "probe.py").write_text(
        "import os, importlib.util\n"
        "def handler(event, context):\n"
        "    return {'pytest': importlib.util.find_spec('pytest') is not None,\n"
        "            'moto': importlib.util.find_spec('moto') is not None,\n"
        "            'keys': sorted(k for k in os.environ if k.startswith('AWS_'))}\n"
    )
    function = Function(
        name=f"probe-{runtime}", arn=f"arn:aws:lambda:us-east-1:123456789012:function:probe-{runtime}", code_dir=code,
        handler="probe.handler", runtime=runtime, timeout=5, memory=128, environment={}, layers=[], role_arn="",
    )  # fmt: skip
    local.lambdas.add_function(function)
    return function


def test_without_the_runtimes_python_a_function_still_cannot_see_the_projects_packages(
    cloud: tuple[Any, dict[str, str]], tmp_path: Path
) -> None:
    local, _ = cloud
    function = _probe(local, tmp_path, "python3.99")  # no such Python: this one, a venv's, runs it

    result = local.lambdas.invoke(function.arn, {})

    assert result.ok, result.logs
    assert (result.payload["pytest"], result.payload["moto"]) == (False, False)


def test_given_credentials_replace_the_roles_entirely(cloud: tuple[Any, dict[str, str]], tmp_path: Path) -> None:
    local, _ = cloud
    function = _probe(local, tmp_path, "python3.13")

    result = local.lambdas.invoke(function.arn, {}, credentials={"AWS_PROFILE": "mine"})

    assert result.ok, result.logs
    assert "AWS_PROFILE" in result.payload["keys"]
    assert "AWS_ACCESS_KEY_ID" not in result.payload["keys"]  # the profile's keys, not invented ones
