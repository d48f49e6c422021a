"""Creating a translated template's resources in the local cloud, in dependency order.

Each supported type has a provisioner that creates it through the local cloud's own APIs (IAM and
Cognito through boto3 at the local endpoint, so botocore checks every parameter's shape) or its
registries (functions, layers, APIs), and returns what ``Ref`` and ``Fn::GetAtt`` give for it. A custom
resource is created by invoking its function with a real ResponseURL and waiting for the answer: a
FAILED answer fails the deploy with its reason. A type without a provisioner stops the deploy with a
message naming it; nothing is skipped.
"""

from __future__ import annotations

import json
import secrets
import string
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError

from groupgate.local.apigateway import DefinitionError, RestApis
from groupgate.local.lambdas import Function, LambdaError, Lambdas, Permission
from groupgate.local.stack import Deployed, Resolver, Stack, TemplateError, creation_order

MAX_RESPONSE_BYTES = 4096


class DeployError(RuntimeError):
    """A resource the local cloud could not create; the message names it and says why."""


class CustomResponses(Protocol):
    """Where custom resources PUT their answers (the local endpoint serves these URLs)."""

    def url(self, token: str) -> str: ...
    def wait(self, token: str, timeout: float) -> bytes | None: ...
    def forget(self, token: str) -> None: ...


@dataclass
class Services:
    endpoint_url: str
    lambdas: Lambdas
    apis: RestApis
    responses: CustomResponses
    progress: Callable[[str], None]

    def client(self, service: str, region: str) -> Any:
        return boto3.client(
            service,  # type: ignore[call-overload]
            region_name=region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - the local control plane accepts any credentials
            config=Config(retries={"max_attempts": 1}, read_timeout=30),
        )


def physical_name(stack: Stack, logical_id: str, limit: int) -> str:
    """A name as CloudFormation makes one: <stack>-<logical id>-<13 random characters>."""
    suffix = "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(13))
    head = f"{stack.name}-{logical_id}"[: max(1, limit - 14)]
    return f"{head}-{suffix}"


def _coerce(value: Any, shape: Any) -> Any:  # noqa: PLR0911 - a branch a shape type
    """CloudFormation passes "true" and "10" where an API wants true and 10: convert along the API's shape."""
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        return {k: _coerce(v, shape.members.get(k)) for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [_coerce(v, shape.member) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _coerce(v, shape.value) for k, v in value.items()}
    if kind == "boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if kind in ("integer", "long") and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    if kind in ("double", "float") and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def call(client: Any, operation: str, logical_id: str, **parameters: Any) -> Any:
    """One API call for a resource, its parameters coerced to the API's types, its errors named."""
    model = client.meta.service_model.operation_model(operation)
    arguments = {k: v for k, v in _coerce(parameters, model.input_shape).items() if v is not None}
    method = getattr(client, "_".join(part.lower() for part in _words(operation)))
    try:
        return method(**arguments)
    except ParamValidationError as error:
        raise DeployError(f"{logical_id}: {operation} refused the properties: {error}") from None
    except ClientError as error:
        detail = error.response.get("Error", {})
        raise DeployError(f"{logical_id}: {operation} failed: {detail.get('Code')}: {detail.get('Message')}") from None


def _words(name: str) -> list[str]:
    import re  # noqa: PLC0415

    return re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z0-9]+|[A-Z]+", name)


def _pick(properties: Mapping[str, Any], *names: str) -> dict[str, Any]:
    return {name: properties[name] for name in names if name in properties}


Provisioner = Callable[["Deployment", str, dict[str, Any], dict[str, Any]], Deployed]


class Deployment:
    """One deploy of a stack: the resolver, the services, and the provisioners by type."""

    def __init__(self, stack: Stack, services: Services) -> None:
        self.stack, self.services = stack, services
        self.resolver = Resolver(stack)
        self.iam = services.client("iam", stack.region)
        self.idp = services.client("cognito-idp", stack.region)
        self.identity = services.client("cognito-identity", stack.region)

    def run(self) -> dict[str, str]:
        """Create every resource whose condition holds; returns the stack's Outputs."""
        resources = self.stack.template["Resources"]
        undefined = sorted(
            f"{name} ({r['Condition']})"
            for name, r in resources.items()
            if r.get("Condition") is not None and r["Condition"] not in self.stack.conditions
        )
        if undefined:
            raise DeployError(f"Template format error: Unresolved condition dependencies: {', '.join(undefined)}")
        active = {
            name: r
            for name, r in resources.items()
            if r.get("Condition") is None or self.stack.conditions.get(r["Condition"])
        }
        unknown = sorted({r["Type"] for r in active.values() if _provisioner(r["Type"]) is None})
        if unknown:
            raise DeployError(
                f"the local cloud cannot create {', '.join(unknown)} "
                f"({', '.join(n for n, r in active.items() if r['Type'] in unknown)}); it creates: "
                + ", ".join(sorted(PROVISIONERS))
            )
        for name, resource in active.items():
            known = PROPERTIES.get(resource["Type"])
            extra = sorted(set(resource.get("Properties") or {}) - known) if known is not None else []
            if extra:
                raise DeployError(f"{name} ({resource['Type']}): Encountered unsupported property {extra[0]}")
            _refuse_what_would_be_ignored(name, resource)
        try:
            order = creation_order(active, resources)
        except TemplateError as error:
            raise DeployError(str(error)) from None
        for name in order:
            resource = active[name]
            kind = resource["Type"]
            try:
                properties = self.resolver.resolve(resource.get("Properties") or {}, name) or {}
                provisioner = _provisioner(kind)
                assert provisioner is not None
                self.stack.resources[name] = provisioner(self, name, properties, resource)
            except (TemplateError, LambdaError, DefinitionError) as error:
                raise DeployError(f"{name} ({kind}): {error}") from None
            except DeployError as error:
                message = str(error) if str(error).startswith(name) else f"{name} ({kind}): {error}"
                raise DeployError(message) from None
            self.services.progress(f"CREATE_COMPLETE  {kind:<45} {name}")
        return self.outputs()

    def outputs(self) -> dict[str, str]:
        found = {}
        for name, output in (self.stack.template.get("Outputs") or {}).items():
            condition = output.get("Condition")
            if condition and not self.stack.conditions.get(condition):
                continue
            found[name] = str(self.resolver.resolve(output["Value"], f"Outputs.{name}"))
        return found

    def code_folder(self, logical_id: str, location: Mapping[str, Any]) -> Path:
        key = location.get("S3Key", "")
        if key not in self.stack.code:
            raise DeployError(f"{logical_id}: code at s3://{location.get('S3Bucket')}/{key} is not a local folder")
        return self.stack.code[key]


# ---------------------------------------------------------------- IAM
def _role(d: Deployment, name: str, p: dict[str, Any], r: dict[str, Any]) -> Deployed:
    role_name = p.get("RoleName") or physical_name(d.stack, name, 64)
    created = call(
        d.iam, "CreateRole", name,
        RoleName=role_name, Path=p.get("Path", "/"), Description=p.get("Description"),
        AssumeRolePolicyDocument=json.dumps(p["AssumeRolePolicyDocument"]),
        MaxSessionDuration=p.get("MaxSessionDuration"),
    )["Role"]  # fmt: skip
    for policy in p.get("Policies", []):
        call(d.iam, "PutRolePolicy", name, RoleName=role_name, PolicyName=policy["PolicyName"],
             PolicyDocument=json.dumps(policy["PolicyDocument"]))  # fmt: skip
    for arn in p.get("ManagedPolicyArns", []):
        call(d.iam, "AttachRolePolicy", name, RoleName=role_name, PolicyArn=arn)
    return Deployed(role_name, {"Arn": created["Arn"], "RoleId": created["RoleId"]})


def _policy(d: Deployment, name: str, p: dict[str, Any], r: dict[str, Any]) -> Deployed:
    if p.get("Users") or p.get("Groups"):
        raise DeployError(f"{name}: policies for IAM users or groups are not something the local cloud keeps")
    for role in p.get("Roles", []):
        call(
            d.iam,
            "PutRolePolicy",
            name,
            RoleName=role,
            PolicyName=p["PolicyName"],
            PolicyDocument=json.dumps(p["PolicyDocument"]),
        )
    return Deployed(f"{d.stack.name}-{p['PolicyName']}-{uuid.uuid4().hex[:12]}")


def _managed_policy(d: Deployment, name: str, p: dict[str, Any], r: dict[str, Any]) -> Deployed:
    created = call(
        d.iam, "CreatePolicy", name, PolicyName=p.get("ManagedPolicyName") or physical_name(d.stack, name, 128),
        Path=p.get("Path", "/"), PolicyDocument=json.dumps(p["PolicyDocument"]), Description=p.get("Description"),
    )["Policy"]  # fmt: skip
    for role in p.get("Roles", []):
        call(d.iam, "AttachRolePolicy", name, RoleName=role, PolicyArn=created["Arn"])
    return Deployed(created["Arn"], {"PolicyArn": created["Arn"]})


# ---------------------------------------------------------------- logs, functions, layers
def _log_group(d: Deployment, name: str, p: dict[str, Any], r: dict[str, Any]) -> Deployed:
    group = p.get("LogGroupName") or physical_name(d.stack, name, 512)
    return Deployed(group, {"Arn": f"arn:aws:logs:{d.stack.region}:{d.stack.account_id}:log-group:{group}:*"})


def _layer(d: Deployment, name: str, p: dict[str, Any], r: dict[str, Any]) -> Deployed:
    layer = p.get("LayerName") or name
    arn = f"arn:aws:lambda:{d.stack.region}:{d.stack.account_id}:layer:{layer}:1"
    runtimes = p.get("CompatibleRuntimes") or ["python3.13"]
    d.services.progress(f"building layer {name} for {runtimes[0]} (pip, cached in .local/build)")
    d.services.lambdas.add_layer(arn, d.code_folder(name, p["Content"]), runtimes[0])
    return Deployed(arn, {"LayerVersionArn": arn})


def _function(d: Deployment, name: str, p: dict[str, Any], r: dict[str, Any]) -> Deployed:
    if "ZipFile" in p["Code"] or "ImageUri" in p["Code"]:
        raise DeployError(f"{name}: inline (ZipFile) and image functions are not run by the local cloud")
    function_name = p.get("FunctionName") or physical_name(d.stack, name, 64)
    arn = f"arn:aws:lambda:{d.stack.region}:{d.stack.account_id}:function:{function_name}"
    role_name = str(p["Role"]).rsplit("/", 1)[-1]
    role = call(d.iam, "GetRole", name, RoleName=role_name)["Role"]
    variables = (p.get("Environment") or {}).get("Variables") or {}
    d.services.lambdas.add_function(
        Function(
            name=function_name,
            arn=arn,
            code_dir=d.code_folder(name, p["Code"]),
            handler=p["Handler"],
            runtime=p.get("Runtime", "python3.13"),
            timeout=float(p.get("Timeout", 3)),
            memory=int(p.get("MemorySize", 128)),
            environment={k: str(v) for k, v in variables.items()},
            layers=list(p.get("Layers", [])),
            role_arn=role["Arn"],
            role_id=role["RoleId"],
        )
    )
    return Deployed(function_name, {"Arn": arn})


def _permission(d: Deployment, name: str, p: dict[str, Any], r: dict[str, Any]) -> Deployed:
    function = d.services.lambdas.find(p["FunctionName"])
    d.services.lambdas.add_permission(
        Permission(
            function.arn,
            p["Principal"],
            p.get("SourceArn"),
            p.get("SourceAccount"),
            p.get("Action", "lambda:InvokeFunction"),
        )
    )
    return Deployed(f"{d.stack.name}-{name}-{uuid.uuid4().hex[:12]}")


# ---------------------------------------------------------------- API Gateway
def _rest_api(d: Deployment, name: str, p: dict[str, Any], r: dict[str, Any]) -> Deployed:
    if "Body" not in p:
        raise DeployError(f"{name}: the local cloud builds a REST API from its Body (an OpenAPI definition) only")
    api_id = d.services.apis.create_api(p.get("Name") or name, p["Body"])
    return Deployed(api_id, {"RootResourceId": uuid.uuid4().hex[:10], "RestApiId": api_id})


def _deployment(d: Deployment, name: str, p: dict[str, Any], r: dict[str, Any]) -> Deployed:
    return Deployed(d.services.apis.create_deployment(p["RestApiId"]))


def _stage(d: Deployment, name: str, p: dict[str, Any], r: dict[str, Any]) -> Deployed:
    d.services.apis.create_stage(
        p["RestApiId"],
        p["StageName"],
        p["DeploymentId"],
        variables=p.get("Variables"),
        method_settings=p.get("MethodSettings", []),
        access_log_format=(p.get("AccessLogSetting") or {}).get("Format"),
    )
    return Deployed(p["StageName"])


def _api_account(d: Deployment, name: str, p: dict[str, Any], r: dict[str, Any]) -> Deployed:
    return Deployed(f"{d.stack.name}-{name}-{uuid.uuid4().hex[:12]}")


# ---------------------------------------------------------------- Cognito
USER_POOL_SETTINGS = (
    "Policies", "LambdaConfig", "AutoVerifiedAttributes", "AliasAttributes", "UsernameAttributes",
    "SmsVerificationMessage", "EmailVerificationMessage", "EmailVerificationSubject", "VerificationMessageTemplate",
    "SmsAuthenticationMessage", "MfaConfiguration", "UserAttributeUpdateSettings", "DeviceConfiguration",
    "EmailConfiguration", "SmsConfiguration", "AdminCreateUserConfig", "Schema", "UserPoolAddOns",
    "UsernameConfiguration", "AccountRecoverySetting", "DeletionProtection", "UserPoolTier",
)  # fmt: skip
CLIENT_SETTINGS = (
    "GenerateSecret", "RefreshTokenValidity", "AccessTokenValidity", "IdTokenValidity", "TokenValidityUnits",
    "ReadAttributes", "WriteAttributes", "ExplicitAuthFlows", "SupportedIdentityProviders", "CallbackURLs",
    "LogoutURLs", "DefaultRedirectURI", "AllowedOAuthFlows", "AllowedOAuthScopes", "AllowedOAuthFlowsUserPoolClient",
    "AnalyticsConfiguration", "PreventUserExistenceErrors", "EnableTokenRevocation",
    "EnablePropagateAdditionalUserContextData", "AuthSessionValidity",
)  # fmt: skip


def _user_pool(d: Deployment, name: str, p: dict[str, Any], r: dict[str, Any]) -> Deployed:
    pool = call(
        d.idp, "CreateUserPool", name,
        PoolName=p.get("UserPoolName") or physical_name(d.stack, name, 128), UserPoolTags=p.get("UserPoolTags"),
        **_pick(p, *USER_POOL_SETTINGS),
    )["UserPool"]  # fmt: skip
    provider = f"cognito-idp.{d.stack.region}.amazonaws.com/{pool['Id']}"
    return Deployed(
        pool["Id"],
        {"Arn": pool["Arn"], "ProviderName": provider, "ProviderURL": f"https://{provider}", "UserPoolId": pool["Id"]},
    )


def _user_pool_client(d: Deployment, name: str, p: dict[str, Any], r: dict[str, Any]) -> Deployed:
    client = call(
        d.idp, "CreateUserPoolClient", name, UserPoolId=p["UserPoolId"],
        ClientName=p.get("ClientName") or physical_name(d.stack, name, 128), **_pick(p, *CLIENT_SETTINGS),
    )["UserPoolClient"]  # fmt: skip
    return Deployed(
        client["ClientId"],
        {"ClientId": client["ClientId"], "Name": client["ClientName"], "ClientSecret": client.get("ClientSecret", "")},
    )


def _group(d: Deployment, name: str, p: dict[str, Any], r: dict[str, Any]) -> Deployed:
    group = p.get("GroupName") or physical_name(d.stack, name, 128)
    call(
        d.idp,
        "CreateGroup",
        name,
        GroupName=group,
        UserPoolId=p["UserPoolId"],
        **_pick(p, "Description", "RoleArn", "Precedence"),
    )
    return Deployed(group)


def _user(d: Deployment, name: str, p: dict[str, Any], r: dict[str, Any]) -> Deployed:
    user = call(
        d.idp, "AdminCreateUser", name, UserPoolId=p["UserPoolId"], Username=p.get("Username"),
        **_pick(p, "UserAttributes", "DesiredDeliveryMediums", "MessageAction", "ForceAliasCreation", "ClientMetadata",
                "ValidationData"),
    )["User"]  # fmt: skip
    return Deployed(user["Username"])


def _membership(d: Deployment, name: str, p: dict[str, Any], r: dict[str, Any]) -> Deployed:
    call(
        d.idp, "AdminAddUserToGroup", name, UserPoolId=p["UserPoolId"], Username=p["Username"], GroupName=p["GroupName"]
    )
    return Deployed(f"{d.stack.name}-{name}-{uuid.uuid4().hex[:12]}")


def _identity_pool(d: Deployment, name: str, p: dict[str, Any], r: dict[str, Any]) -> Deployed:
    unsupported = sorted(set(p) & {"CognitoStreams", "PushSync", "CognitoEvents"})
    if unsupported:
        raise DeployError(f"{name}: {', '.join(unsupported)} (Cognito Sync) is not kept by the local cloud")
    pool = call(
        d.identity, "CreateIdentityPool", name,
        IdentityPoolName=p.get("IdentityPoolName") or physical_name(d.stack, name, 128).replace("-", "_"),
        AllowUnauthenticatedIdentities=p.get("AllowUnauthenticatedIdentities", False),
        **_pick(p, "AllowClassicFlow", "CognitoIdentityProviders", "SupportedLoginProviders", "DeveloperProviderName",
                "OpenIdConnectProviderARNs", "SamlProviderARNs", "IdentityPoolTags"),
    )  # fmt: skip
    return Deployed(pool["IdentityPoolId"], {"Name": pool["IdentityPoolName"], "Id": pool["IdentityPoolId"]})


def _role_attachment(d: Deployment, name: str, p: dict[str, Any], r: dict[str, Any]) -> Deployed:
    mappings = {}
    for key, mapping in (p.get("RoleMappings") or {}).items():
        value = dict(mapping)
        provider = value.pop("IdentityProvider", None) or key  # CloudFormation's key may be any name
        mappings[provider] = value
    call(d.identity, "SetIdentityPoolRoles", name, IdentityPoolId=p["IdentityPoolId"], Roles=p.get("Roles") or {},
         RoleMappings=mappings or None)  # fmt: skip
    return Deployed(f"{p['IdentityPoolId']}-{uuid.uuid4().hex[:8]}")


# ---------------------------------------------------------------- custom resources
def _stringified(value: Any) -> Any:
    """CloudFormation sends custom resource properties with every scalar as a string."""
    if isinstance(value, dict):
        return {k: _stringified(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringified(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _custom(d: Deployment, name: str, p: dict[str, Any], r: dict[str, Any]) -> Deployed:
    token = p.get("ServiceToken", "")
    if ":lambda:" not in token:
        raise DeployError(f"{name}: ServiceToken {token!r} is not a Lambda function (SNS is not supported locally)")
    timeout = float(p.get("ServiceTimeout", 3600))
    request_token = uuid.uuid4().hex
    event = {
        "RequestType": "Create",
        "ServiceToken": token,
        "ResponseURL": d.services.responses.url(request_token),
        "StackId": d.stack.stack_id,
        "RequestId": str(uuid.uuid4()),
        "ResourceType": r["Type"],
        "LogicalResourceId": name,
        "ResourceProperties": _stringified(p),
    }
    outcome: dict[str, Any] = {}

    def invoke() -> None:  # CloudFormation invokes it asynchronously
        outcome["invocation"] = d.services.lambdas.invoke(token, event)

    worker = threading.Thread(target=invoke, daemon=True)
    worker.start()
    try:
        return _custom_answer(name, _await_response(d, name, request_token, timeout, worker=worker, outcome=outcome))
    finally:
        d.services.responses.forget(request_token)  # a late or second PUT to this URL is refused


def _await_response(
    d: Deployment, name: str, request_token: str, timeout: float, *, worker: threading.Thread, outcome: dict[str, Any]
) -> bytes:
    deadline = time.monotonic() + timeout
    body = None
    while body is None and time.monotonic() < deadline:
        body = d.services.responses.wait(request_token, 0.2)
        if body is None and not worker.is_alive():
            body = d.services.responses.wait(request_token, 1.0)  # a PUT may still be arriving
            if body is None:
                invocation = outcome.get("invocation")
                why = (
                    f"{invocation.error_type}: {invocation.error_message}"
                    if invocation and not invocation.ok
                    else "no error"
                )
                raise DeployError(
                    f"{name}: the function ended ({why}) without answering its ResponseURL; CloudFormation would "
                    f"wait the ServiceTimeout ({timeout:.0f} s) and fail"
                )
    if body is None:
        raise DeployError(f"{name}: no answer from the custom resource within its ServiceTimeout ({timeout:.0f} s)")
    return body


def _custom_answer(name: str, body: bytes) -> Deployed:
    if len(body) > MAX_RESPONSE_BYTES:
        raise DeployError(f"{name}: Response object is too long ({len(body)} bytes; the limit is {MAX_RESPONSE_BYTES})")
    try:
        answer = json.loads(body)
    except json.JSONDecodeError:
        raise DeployError(f"{name}: the custom resource answered something that is not JSON") from None
    if answer.get("Status") == "FAILED":
        raise DeployError(
            f"Received response status [FAILED] from custom resource. Message returned: {answer.get('Reason', '')}"
        )
    if answer.get("Status") != "SUCCESS" or not answer.get("PhysicalResourceId"):
        raise DeployError(f"{name}: the custom resource's answer has no SUCCESS status or PhysicalResourceId")
    return Deployed(str(answer["PhysicalResourceId"]), dict(answer.get("Data") or {}))


PROVISIONERS: dict[str, Provisioner] = {
    "AWS::IAM::Role": _role,
    "AWS::IAM::Policy": _policy,
    "AWS::IAM::ManagedPolicy": _managed_policy,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::Lambda::LayerVersion": _layer,
    "AWS::Lambda::Function": _function,
    "AWS::Lambda::Permission": _permission,
    "AWS::ApiGateway::RestApi": _rest_api,
    "AWS::ApiGateway::Deployment": _deployment,
    "AWS::ApiGateway::Stage": _stage,
    "AWS::ApiGateway::Account": _api_account,
    "AWS::Cognito::UserPool": _user_pool,
    "AWS::Cognito::UserPoolClient": _user_pool_client,
    "AWS::Cognito::UserPoolGroup": _group,
    "AWS::Cognito::UserPoolUser": _user,
    "AWS::Cognito::UserPoolUserToGroupAttachment": _membership,
    "AWS::Cognito::IdentityPool": _identity_pool,
    "AWS::Cognito::IdentityPoolRoleAttachment": _role_attachment,
    "AWS::CloudFormation::CustomResource": _custom,
}


# Each type's CloudFormation properties (the resource specification's names): a property outside these
# fails the deploy as CloudFormation fails it, instead of being ignored.
PROPERTIES: dict[str, frozenset[str]] = {
    kind: frozenset(names.split())
    for kind, names in {
        "AWS::IAM::Role": "AssumeRolePolicyDocument Description ManagedPolicyArns MaxSessionDuration Path "
        "PermissionsBoundary Policies RoleName Tags",
        "AWS::IAM::Policy": "Groups PolicyDocument PolicyName Roles Users",
        "AWS::IAM::ManagedPolicy": "Description Groups ManagedPolicyName Path PolicyDocument Roles Users",
        "AWS::Logs::LogGroup": "DataProtectionPolicy DeletionProtectionEnabled FieldIndexPolicies KmsKeyId "
        "LogGroupClass LogGroupName ResourcePolicyDocument RetentionInDays Tags",
        "AWS::Lambda::LayerVersion": "CompatibleArchitectures CompatibleRuntimes Content Description LayerName "
        "LicenseInfo",
        "AWS::Lambda::Function": "Architectures Code CodeSigningConfigArn DeadLetterConfig Description Environment "
        "EphemeralStorage FileSystemConfigs FunctionName Handler ImageConfig KmsKeyArn Layers LoggingConfig "
        "MemorySize PackageType RecursiveLoop ReservedConcurrentExecutions Role Runtime RuntimeManagementConfig "
        "SnapStartConfig Tags Timeout TracingConfig VpcConfig",
        "AWS::Lambda::Permission": "Action EventSourceToken FunctionName FunctionUrlAuthType Principal "
        "PrincipalOrgID SourceAccount SourceArn",
        "AWS::ApiGateway::RestApi": "ApiKeySourceType BinaryMediaTypes Body BodyS3Location CloneFrom Description "
        "DisableExecuteApiEndpoint EndpointConfiguration FailOnWarnings MinimumCompressionSize Mode Name "
        "Parameters Policy Tags",
        "AWS::ApiGateway::Deployment": "DeploymentCanarySettings Description RestApiId StageDescription StageName",
        "AWS::ApiGateway::Stage": "AccessLogSetting CacheClusterEnabled CacheClusterSize CanarySetting "
        "ClientCertificateId DeploymentId Description DocumentationVersion MethodSettings RestApiId StageName "
        "Tags TracingEnabled Variables",
        "AWS::ApiGateway::Account": "CloudWatchRoleArn",
        "AWS::Cognito::UserPool": "AccountRecoverySetting AdminCreateUserConfig AliasAttributes "
        "AutoVerifiedAttributes DeletionProtection DeviceConfiguration EmailAuthenticationMessage "
        "EmailAuthenticationSubject EmailConfiguration EmailVerificationMessage EmailVerificationSubject "
        "EnabledMfas LambdaConfig MfaConfiguration Policies Schema SmsAuthenticationMessage SmsConfiguration "
        "SmsVerificationMessage UserAttributeUpdateSettings UsernameAttributes UsernameConfiguration "
        "UserPoolAddOns UserPoolName UserPoolTags UserPoolTier VerificationMessageTemplate "
        "WebAuthnRelyingPartyID WebAuthnUserVerification",
        "AWS::Cognito::UserPoolClient": "AccessTokenValidity AllowedOAuthFlows AllowedOAuthFlowsUserPoolClient "
        "AllowedOAuthScopes AnalyticsConfiguration AuthSessionValidity CallbackURLs ClientName "
        "DefaultRedirectURI EnablePropagateAdditionalUserContextData EnableTokenRevocation ExplicitAuthFlows "
        "GenerateSecret IdTokenValidity LogoutURLs PreventUserExistenceErrors ReadAttributes "
        "RefreshTokenRotation RefreshTokenValidity SupportedIdentityProviders TokenValidityUnits UserPoolId "
        "WriteAttributes",
        "AWS::Cognito::UserPoolGroup": "Description GroupName Precedence RoleArn UserPoolId",
        "AWS::Cognito::UserPoolUser": "ClientMetadata DesiredDeliveryMediums ForceAliasCreation MessageAction "
        "UserAttributes Username UserPoolId ValidationData",
        "AWS::Cognito::UserPoolUserToGroupAttachment": "GroupName Username UserPoolId",
        "AWS::Cognito::IdentityPool": "AllowClassicFlow AllowUnauthenticatedIdentities CognitoEvents "
        "CognitoIdentityProviders CognitoStreams DeveloperProviderName IdentityPoolName IdentityPoolTags "
        "OpenIdConnectProviderARNs PushSync SamlProviderARNs SupportedLoginProviders",
        "AWS::Cognito::IdentityPoolRoleAttachment": "IdentityPoolId RoleMappings Roles",
    }.items()
}


# Settings that change who may do what, or where traffic goes, which the local cloud does not apply: a
# template that uses them is refused rather than run without them (which would fail open). A setting is
# harmless when it is absent or off (HARMLESS), or one of the values its entry in HARMLESS_VALUES names.
NOT_APPLIED: dict[str, dict[str, str]] = {
    "AWS::ApiGateway::RestApi": {
        "Policy": "a resource policy",
        "DisableExecuteApiEndpoint": "turning off the execute-api endpoint",
    },
    "AWS::ApiGateway::Stage": {"CanarySetting": "a canary", "ClientCertificateId": "a client certificate"},
    "AWS::ApiGateway::Deployment": {
        "StageName": "a stage made by the deployment",
        "DeploymentCanarySettings": "a canary",
    },
    "AWS::IAM::Role": {"PermissionsBoundary": "a permissions boundary"},
    "AWS::Lambda::Function": {"VpcConfig": "a VPC", "FileSystemConfigs": "a file system"},
    # The local user pools issue no MFA challenge and check no SECRET_HASH: a pool that demands either would
    # let in locally what Cognito refuses.
    "AWS::Cognito::UserPool": {"MfaConfiguration": "multi-factor authentication"},
    "AWS::Cognito::UserPoolClient": {"GenerateSecret": "an app client secret (SECRET_HASH)"},
}
HARMLESS: tuple[Any, ...] = (None, False, "false")
HARMLESS_VALUES: dict[str, tuple[Any, ...]] = {"MfaConfiguration": (*HARMLESS, "OFF")}


def _refuse_what_would_be_ignored(name: str, resource: Mapping[str, Any]) -> None:
    properties = resource.get("Properties") or {}
    for key, what in NOT_APPLIED.get(resource["Type"], {}).items():
        if properties.get(key) not in HARMLESS_VALUES.get(key, HARMLESS):
            raise DeployError(f"{name} ({resource['Type']}): {key} ({what}) is not something the local cloud applies")
    body = properties.get("Body") if resource["Type"] == "AWS::ApiGateway::RestApi" else None
    if isinstance(body, Mapping) and body.get("x-amazon-apigateway-policy"):
        raise DeployError(
            f"{name} ({resource['Type']}): x-amazon-apigateway-policy (a resource policy) is not something the "
            "local cloud applies"
        )


def _provisioner(kind: str) -> Provisioner | None:
    return PROVISIONERS.get(kind) or (_custom if kind.startswith("Custom::") else None)
