"""Where the client finds its stack: options > --stack-name > --outputs > GROUPGATE_* variables."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from support.aws_server import CountingMotoServer

from groupgate.aws import endpoint_for
from groupgate.errors import ConfigurationError
from groupgate.settings import Settings, env_name, resolve

FROM_ENV = {
    "GROUPGATE_API_URL": "https://env.example/stage1/",
    "GROUPGATE_USER_POOL_ID": "us-east-1_FromEnv",
    "GROUPGATE_USER_POOL_CLIENT_ID": "envclient",
    "GROUPGATE_IDENTITY_POOL_ID": "us-east-1:env",
}


def outputs_file(tmp_path: Path, **values: str) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(values))
    return path


def test_environment_variable_names_follow_the_output_keys() -> None:
    assert env_name("ApiUrl") == "GROUPGATE_API_URL"
    assert env_name("UserPoolClientId") == "GROUPGATE_USER_POOL_CLIENT_ID"
    assert resolve(environ={"GROUPGATE_ApiUrl": "https://exact/"}).api_url == "https://exact/"


def test_each_source_overrides_the_ones_below_it(tmp_path: Path) -> None:
    path = outputs_file(tmp_path, ApiUrl="https://file.example/stage1/", UserPoolId="us-east-1_FromFile")

    def stack(name: str, partial: Settings) -> dict[str, str]:
        assert name == "groupgate"
        return {"ApiUrl": "https://stack.example/stage1/", "Region": "eu-west-1"}

    settings = resolve(
        options={"api_url": "https://option.example/stage1/"},
        stack_name="groupgate",
        outputs_file=path,
        environ=FROM_ENV,
        read_stack=stack,
    )

    assert settings.api_url == "https://option.example/stage1/"  # option over stack, file and env
    assert settings.region == "eu-west-1"  # stack
    assert settings.user_pool_id == "us-east-1_FromFile"  # file over env
    assert settings.client_id == "envclient"  # env, the last resort


def test_stack_outputs_are_read_with_cloudformation(aws: CountingMotoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", aws.url)
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"ApiUrl": {"Value": "https://stack.example/stage1/"}, "UserPoolId": {"Value": "us-east-1_Stack"}},
    }
    boto3.client("cloudformation", region_name="us-east-1").create_stack(
        StackName="groupgate-settings", TemplateBody=json.dumps(template)
    )

    settings = resolve(stack_name="groupgate-settings", environ={})

    assert (settings.api_url, settings.user_pool_id) == ("https://stack.example/stage1/", "us-east-1_Stack")


def test_a_stack_that_does_not_exist_is_a_configuration_error(
    aws: CountingMotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", aws.url)

    with pytest.raises(ConfigurationError, match="--stack-name nope: Stack with id nope does not exist"):
        resolve(stack_name="nope", environ={})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{not json", "not JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"ApiUrl": 7}', "ApiUrl must be a string"),
    ],
)
def test_a_bad_outputs_file_says_what_is_wrong(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "outputs.json"
    if content is not None:
        path.write_text(content)

    with pytest.raises(ConfigurationError, match=message):
        resolve(outputs_file=path, environ={})


def test_missing_settings_are_named_with_where_to_give_them() -> None:
    with pytest.raises(ConfigurationError) as missing:
        Settings(api_url="https://x/").require("api_url", "user_pool_id", "identity_pool_id")

    assert "UserPoolId (--user-pool-id or GROUPGATE_USER_POOL_ID)" in str(missing.value)
    assert "IdentityPoolId" in str(missing.value)
    assert "ApiUrl" not in str(missing.value)


def test_the_region_comes_from_the_settings_or_the_user_pool_id_or_the_api_url() -> None:
    assert Settings(region="eu-west-1", user_pool_id="us-east-1_X").aws_region == "eu-west-1"
    assert Settings(user_pool_id="ap-northeast-1_AtRsMFTq0").aws_region == "ap-northeast-1"
    assert Settings(api_url="https://a1.execute-api.eu-central-1.amazonaws.com/stage1/").aws_region == "eu-central-1"


def test_the_outputs_endpoint_serves_every_api_unless_a_standard_variable_is_set() -> None:
    endpoint = Settings(endpoint_url="http://127.0.0.1:4566").endpoint_url

    assert endpoint_for("cognito-idp", endpoint, environ={}) == "http://127.0.0.1:4566"
    assert endpoint_for("sts", endpoint, environ={"AWS_ENDPOINT_URL": "http://elsewhere"}) is None
    assert endpoint_for("cognito-identity", endpoint, environ={"AWS_ENDPOINT_URL_COGNITO_IDENTITY": "http://x"}) is None
    assert endpoint_for("cognito-idp", endpoint, environ={"AWS_ENDPOINT_URL_COGNITO_IDENTITY": "http://x"}) == (
        "http://127.0.0.1:4566"
    )
