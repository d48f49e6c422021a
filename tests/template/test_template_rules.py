"""template.yaml, expanded by the real SAM transform, checked for what no linter checks."""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from support.events import ROOT
from support.template import Template, load_template, only, referenced_id, resources, translate, translated_template

from template import rules

OUTPUTS = ("ApiUrl", "ApiId", "StageName", "Region", "UserPoolId", "UserPoolClientId", "IdentityPoolId", "GroupName",
           "GroupRoleArn")  # fmt: skip
SIGNED_HEADERS = ("Authorization", "Content-Type", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256")


@pytest.fixture(scope="module")
def translated() -> Template:
    return translated_template()


@pytest.fixture
def broken(translated: Template) -> Template:
    """A copy of the translated template for a test to break."""
    return copy.deepcopy(translated)


@pytest.mark.parametrize("check", list(rules.CHECKS))
def test_the_template_passes(translated: Template, check: str) -> None:
    assert rules.CHECKS[check](translated) == []


def policy_of(t: Template, role: str | None) -> list[dict[str, Any]]:
    assert role is not None
    statements: list[dict[str, Any]] = t["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    return statements


def trust_condition(t: Template, role: str | None) -> dict[str, Any]:
    assert role is not None
    condition: dict[str, Any] = t["Resources"][role]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0][
        "Condition"
    ]
    return condition


def trigger_policy(t: Template) -> dict[str, Any]:
    role = rules.role_of(t, rules.trigger_function(t) or "")
    for _, policy in resources(t, "AWS::IAM::Policy"):
        if role in [referenced_id(r) for r in policy["Properties"]["Roles"]]:
            statement: dict[str, Any] = policy["Properties"]["PolicyDocument"]["Statement"][0]
            return statement
    raise AssertionError("no AWS::IAM::Policy on the trigger's role")


def entry_source(t: Template) -> str:
    source = referenced_id(rules.attachment(t)["RoleMappings"])
    assert source is not None
    return source


def entry_value(t: Template) -> dict[str, Any]:
    value: dict[str, Any] = t["Resources"][entry_source(t)]["Properties"]["Entries"][0]["Value"]
    return value


def cognito_permission(t: Template) -> dict[str, Any]:
    return next(
        p["Properties"] for _, p in resources(t, "AWS::Lambda::Permission") if "cognito" in p["Properties"]["Principal"]
    )


Breakage = Callable[[Template], None]
BREAKAGES: dict[str, tuple[str, Breakage]] = {
    "group role trust without amr": (
        "cognito_roles_have_aud_and_amr",
        lambda t: trust_condition(t, rules.group_role(t)).pop("ForAnyValue:StringLike"),
    ),
    "guest role trust with the authenticated amr": (
        "cognito_roles_have_aud_and_amr",
        lambda t: trust_condition(t, rules.attached_role(t, "unauthenticated"))["ForAnyValue:StringLike"].update(
            {rules.AMR: "authenticated"}
        ),
    ),
    "default role trust without aud": (
        "cognito_roles_have_aud_and_amr",
        lambda t: trust_condition(t, rules.attached_role(t, "authenticated")).pop("StringEquals"),
    ),
    "invoke on *": (
        "invoke_is_never_on_a_wildcard",
        lambda t: policy_of(t, rules.group_role(t))[0].update(Resource="*"),
    ),
    "invoke on every stage": (
        "invoke_is_never_on_a_wildcard",
        lambda t: policy_of(t, rules.group_role(t))[0].update(
            Resource={"Fn::Sub": "arn:aws:execute-api:us-east-1:123456789012:${Api}/*/GET/"}
        ),
    ),
    "invoke on another api": (
        "invoke_is_never_on_a_wildcard",
        lambda t: policy_of(t, rules.group_role(t))[0].update(
            Resource={"Fn::Sub": "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/${StageName}/GET/"}
        ),
    ),
    "invoke on every method": (
        "invoke_is_never_on_a_wildcard",
        lambda t: policy_of(t, rules.group_role(t))[0].update(Action=["execute-api:*"], Resource="arn:x:y/stage1/*"),
    ),
    "classic flow on": (
        "classic_flow_is_off",
        lambda t: t["Resources"][rules.identity_pool_id(t)]["Properties"].update(AllowClassicFlow=True),
    ),
    "legacy flow name": (
        "no_legacy_auth_flow",
        lambda t: only(t, "AWS::Cognito::UserPoolClient")[1]["Properties"]["ExplicitAuthFlows"].append(
            "ADMIN_NO_SRP_AUTH"
        ),
    ),
    "trigger policy on every pool": (
        "trigger_policy_names_only_this_pool",
        lambda t: trigger_policy(t).update(
            Resource={"Fn::Sub": "arn:${AWS::Partition}:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/*"}
        ),
    ),
    "trigger policy with more actions": (
        "trigger_policy_names_only_this_pool",
        lambda t: trigger_policy(t).update(Action=["cognito-idp:AdminAddUserToGroup", "cognito-idp:AdminDeleteUser"]),
    ),
    "guest role without the deny": (
        "guests_are_denied_the_api",
        lambda t: policy_of(t, rules.attached_role(t, "unauthenticated"))[0].update(Effect="Allow"),
    ),
    "default role with a policy": (
        "default_authenticated_role_grants_nothing",
        lambda t: t["Resources"][rules.attached_role(t, "authenticated")]["Properties"].update(
            ManagedPolicyArns=["arn:aws:iam::aws:policy/AmazonAPIGatewayInvokeFullAccess"]
        ),
    ),
    "ambiguous role resolution to the default role": (
        "role_mapping_is_token_with_deny",
        lambda t: entry_value(t).update(AmbiguousRoleResolution="AuthenticatedRole"),
    ),
    "no service timeout": (
        "role_mapping_is_token_with_deny",
        lambda t: t["Resources"][referenced_id(rules.attachment(t)["RoleMappings"])]["Properties"].pop(
            "ServiceTimeout"
        ),
    ),
    "permission without source arn": ("trigger_permission_is_scoped", lambda t: cognito_permission(t).pop("SourceArn")),
    "account setter passes any role": (
        "account_setting_is_least_privilege",
        lambda t: setter_statements(t)[1].update(Resource="*"),
    ),
    "account setter passes the role to any service": (
        "account_setting_is_least_privilege",
        lambda t: setter_statements(t)[1].pop("Condition"),
    ),
    "account setter on every API": (
        "account_setting_is_least_privilege",
        lambda t: setter_statements(t)[0].update(Resource={"Fn::Sub": "arn:${AWS::Partition}:apigateway:*::/*"}),
    ),
    "account setter may delete": (
        "account_setting_is_least_privilege",
        lambda t: setter_statements(t)[0].update(Action=["apigateway:GET", "apigateway:PATCH", "apigateway:DELETE"]),
    ),
    "account role deleted with the stack": (
        "account_setting_is_least_privilege",
        lambda t: t["Resources"][setter_role(t)].pop("DeletionPolicy"),
    ),
}


def setter_role(t: Template) -> str:
    found = rules.cloudwatch_role_setting(t)
    assert found is not None
    role = referenced_id(found[1]["Properties"]["RoleArn"])
    assert role is not None
    return role


def setter_statements(t: Template) -> list[dict[str, Any]]:
    found = rules.cloudwatch_role_setting(t)
    assert found is not None
    return policy_of(t, rules.role_of(t, referenced_id(found[1]["Properties"]["ServiceToken"]) or ""))


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_each_check_finds_its_breakage(broken: Template, breakage: str) -> None:
    check, breaking = BREAKAGES[breakage]
    breaking(broken)

    assert rules.CHECKS[check](broken) != []


# ---------------------------------------------------------------- one source of truth, and the rest
def test_the_group_name_comes_from_one_parameter(translated: Template) -> None:
    _, group = only(translated, "AWS::Cognito::UserPoolGroup")
    function = rules.trigger_function(translated)
    assert function is not None
    environment = translated["Resources"][function]["Properties"]["Environment"]["Variables"]
    assert group["Properties"]["GroupName"] == {"Ref": "GroupName"}
    assert environment["GROUP_NAME"] == {"Ref": "GroupName"}
    assert group["Properties"]["Precedence"] == 0
    assert load_template()["Parameters"]["GroupName"]["Default"] == "exgroup"


def test_guests_are_off_unless_asked_for(translated: Template) -> None:
    template = load_template()
    pool = translated["Resources"][rules.identity_pool_id(translated)]["Properties"]
    guest = rules.attached_role(translated, "unauthenticated")
    assert guest is not None
    assert template["Parameters"]["AllowGuests"]["Default"] == "false"
    assert pool["AllowUnauthenticatedIdentities"] == {"Ref": "AllowGuests"}
    condition = translated["Resources"][guest]["Condition"]
    assert translated["Conditions"][condition] == {"Fn::Equals": [{"Ref": "AllowGuests"}, "true"]}


def test_the_trigger_fits_cognitos_five_seconds(translated: Template) -> None:
    function = rules.trigger_function(translated)
    assert function is not None
    assert translated["Resources"][function]["Properties"]["Timeout"] <= 5


def test_the_app_client_is_as_the_client_expects(translated: Template) -> None:
    _, client = only(translated, "AWS::Cognito::UserPoolClient")
    properties = client["Properties"]
    assert sorted(properties["ExplicitAuthFlows"]) == [
        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_SRP_AUTH",
    ]
    assert properties["GenerateSecret"] is False
    assert properties["PreventUserExistenceErrors"] == "ENABLED"
    assert properties["EnableTokenRevocation"] is True
    assert (properties["RefreshTokenValidity"], properties["TokenValidityUnits"]["RefreshToken"]) == (7, "days")


def test_the_user_pool_is_like_the_seeds_with_a_strong_password_policy(translated: Template) -> None:
    properties = translated["Resources"][rules.user_pool_id(translated)]["Properties"]
    assert properties["AliasAttributes"] == ["email"]
    assert properties["AutoVerifiedAttributes"] == ["email"]
    assert {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True} in properties["Schema"]
    policy = properties["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    assert all(policy[f"Require{kind}"] for kind in ("Lowercase", "Uppercase", "Numbers", "Symbols"))
    assert properties["DeletionProtection"] == {"Ref": "UserPoolDeletionProtection"}


def api_definition(t: Template) -> dict[str, Any]:
    body: dict[str, Any] = only(t, "AWS::ApiGateway::RestApi")[1]["Properties"]["Body"]
    return body


def test_get_root_is_iam_authorized_and_answers_hello_from_a_mock(translated: Template) -> None:
    body = api_definition(translated)
    get = body["paths"]["/"]["get"]
    [requirement] = get["security"]
    [scheme] = requirement
    assert body["components"]["securitySchemes"][scheme]["x-amazon-apigateway-authtype"] == "awsSigv4"
    integration = get["x-amazon-apigateway-integration"]
    assert integration["type"] == "mock"
    answer = integration["responses"]["default"]
    assert answer["statusCode"] == "200"
    assert answer["responseTemplates"]["application/json"] == '{"message": "hello!"}'
    assert answer["responseParameters"]["method.response.header.Content-Type"] == "'application/json'"


def test_the_mock_integration_is_asked_for_status_200(translated: Template) -> None:
    body = api_definition(translated)
    for method in ("get", "options"):
        integration = body["paths"]["/"][method]["x-amazon-apigateway-integration"]
        assert json.loads(integration["requestTemplates"]["application/json"]) == {"statusCode": 200}


def test_a_changed_parameter_reaches_the_stage_with_a_new_deployment() -> None:
    # SAM names a deployment after the definition as written, ${AllowedOrigin} and all; without
    # AlwaysDeploy a new origin would update the RestApi but never be deployed to the stage.
    template = load_template()
    assert template["Resources"]["Api"]["Properties"]["AlwaysDeploy"] is True
    first = {name for name, _ in resources(translate(template), "AWS::ApiGateway::Deployment")}
    time.sleep(1.1)  # SAM's AlwaysDeploy hash changes with the second of the transform
    second = {name for name, _ in resources(translate(template), "AWS::ApiGateway::Deployment")}
    assert first != second


def test_cors_lets_a_browser_send_a_signed_call_and_read_every_answer(translated: Template) -> None:
    body = api_definition(translated)
    options = body["paths"]["/"]["options"]
    assert "security" not in options  # a preflight is never signed
    headers = options["x-amazon-apigateway-integration"]["responses"]["default"]["responseParameters"]
    allowed = headers["method.response.header.Access-Control-Allow-Headers"].strip("'").split(",")
    assert set(SIGNED_HEADERS) <= set(allowed)
    origin = {"Fn::Sub": "'${AllowedOrigin}'"}
    assert headers["method.response.header.Access-Control-Allow-Origin"] == origin
    get_headers = body["paths"]["/"]["get"]["x-amazon-apigateway-integration"]["responses"]["default"]
    assert get_headers["responseParameters"]["method.response.header.Access-Control-Allow-Origin"] == origin
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        gateway = body["x-amazon-apigateway-gateway-responses"][kind]["responseParameters"]
        assert gateway["gatewayresponse.header.Access-Control-Allow-Origin"] == origin
        exposed = gateway["gatewayresponse.header.Access-Control-Expose-Headers"].strip("'").split(",")
        assert {"x-amzn-ErrorType", "x-amzn-RequestId"} <= set(exposed)


def test_the_stage_logs_traces_and_throttles(translated: Template) -> None:
    _, stage = only(translated, "AWS::ApiGateway::Stage")
    properties = stage["Properties"]
    assert properties["StageName"] == {"Ref": "StageName"}
    assert properties["TracingEnabled"] is True
    assert "DestinationArn" in properties["AccessLogSetting"]
    [setting] = properties["MethodSettings"]
    assert setting["ThrottlingRateLimit"] == {"Ref": "ThrottlingRateLimit"}
    assert setting["ThrottlingBurstLimit"] == {"Ref": "ThrottlingBurstLimit"}
    for _, group in resources(translated, "AWS::Logs::LogGroup"):
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionInDays"}


def test_each_access_log_line_is_a_json_object(translated: Template) -> None:
    _, stage = only(translated, "AWS::ApiGateway::Stage")
    line = stage["Properties"]["AccessLogSetting"]["Format"]
    # API Gateway writes $context.error.messageString with its quotes, every other variable bare.
    filled = re.sub(r"\$context\.[A-Za-z.]+", "v", line.replace("$context.error.messageString", '"m"'))

    record = json.loads(filled)

    assert {"requestId", "status", "userArn", "cognitoIdentityId", "errorMessage"} <= set(record)


def test_the_env_vars_file_gives_each_function_the_environment_the_template_gives_it() -> None:
    template = load_template()
    env_vars = json.loads((ROOT / "events" / "env.json").read_text())
    functions = dict(resources(template, "AWS::Serverless::Function"))
    assert set(env_vars) == set(functions)
    parameters = template["Parameters"]
    shared = template["Globals"]["Function"]["Environment"]["Variables"]
    for name, function in functions.items():
        variables = {**shared, **function["Properties"]["Environment"]["Variables"]}
        expected = {
            key: parameters[value["Ref"]]["Default"] if isinstance(value, dict) else value
            for key, value in variables.items()
        }
        # The file may turn logging up, and nothing else may differ.
        assert {k: v for k, v in env_vars[name].items() if k != "POWERTOOLS_LOG_LEVEL"} == {
            k: v for k, v in expected.items() if k != "POWERTOOLS_LOG_LEVEL"
        }


def test_the_outputs_are_the_contract_and_are_exported(translated: Template) -> None:
    outputs = translated["Outputs"]
    assert set(OUTPUTS) <= set(outputs)
    for name in OUTPUTS:
        assert outputs[name]["Export"]["Name"] == {"Fn::Sub": f"${{AWS::StackName}}-{name}"}
    assert outputs["ApiUrl"]["Value"]["Fn::Sub"].endswith("/")


def test_each_handler_is_a_module_of_its_own_in_its_code_folder() -> None:
    template = load_template()
    handlers = []
    for _, function in resources(template, "AWS::Serverless::Function"):
        module, _ = function["Properties"]["Handler"].rsplit(".", 1)
        code = ROOT / function["Properties"]["CodeUri"]
        assert (code / (module.replace(".", "/") + ".py")).is_file()
        assert not (code / "aws_lambda_powertools").exists()  # dependencies live in the layer
        handlers.append(module.split(".")[0])
    assert len(handlers) == len(set(handlers)) == 4


def test_both_functions_use_the_layer_built_for_arm64_python313() -> None:
    template = load_template()
    layer_id, layer = only(template, "AWS::Serverless::LayerVersion")
    assert layer["Metadata"] == {"BuildMethod": "python3.13", "BuildArchitecture": "arm64"}
    function_globals = template["Globals"]["Function"]
    assert function_globals["Layers"] == [{"Ref": layer_id}]
    assert (function_globals["Runtime"], function_globals["Architectures"]) == ("python3.13", ["arm64"])


@pytest.mark.parametrize(
    ("function", "service", "variable"),
    [("PostConfirmationFunction", "cognito-idp", "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"),
     ("CloudWatchRoleFunction", "apigateway", "AWS_ENDPOINT_URL_API_GATEWAY")],
)  # fmt: skip
def test_an_endpoint_variable_is_empty_so_in_aws_boto3_calls_the_service(
    monkeypatch: pytest.MonkeyPatch, function: str, service: str, variable: str
) -> None:
    """Declared only so that `sam local invoke --env-vars` can point a function at the local cloud: empty in
    the template, which botocore treats as not set, so the deployed function calls the service's own endpoint."""
    import boto3

    functions = dict(resources(load_template(), "AWS::Serverless::Function"))
    assert functions[function]["Properties"]["Environment"]["Variables"][variable] == ""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)

    def endpoint() -> str:
        client = boto3.client(service, region_name="eu-west-1", aws_access_key_id="k", aws_secret_access_key="s")  # type: ignore[call-overload]
        return str(client.meta.endpoint_url)

    monkeypatch.setenv(variable, "")
    assert endpoint() == f"https://{service}.eu-west-1.amazonaws.com"
    monkeypatch.setenv(variable, "http://172.17.0.1:4566")
    assert endpoint() == "http://172.17.0.1:4566"
