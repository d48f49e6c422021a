"""AWS::Lambda::Function: the code from its source folder, its uploaded zip or inline (ZipFile), run as Lambda runs
it; a runtime Lambda no longer takes is refused with Lambda's message (``awslambda.runtimes``)."""

from __future__ import annotations

from typing import Any

from groupgate.local.awslambda import runtimes
from groupgate.local.awslambda.functions import Function
from groupgate.local.cloudformation.resources import code
from groupgate.local.cloudformation.resources.base import Context, DeployError, ResourceType, call, names, refused
from groupgate.local.cloudformation.template import Deployed
from groupgate.local.protocol import AwsError


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    function_name = p.get("FunctionName") or context.physical_name(logical_id, 64)
    arn = context.arn("lambda", f"function:{function_name}")
    context.services.lambdas.add_function(_function(context, logical_id, p, function_name, arn))
    return Deployed(function_name, {"Arn": arn})


def update(context: Context, logical_id: str, deployed: Deployed, old: dict[str, Any], p: dict[str, Any]) -> Deployed:
    """The same function (name, ARN, permissions) with its new code and configuration, as UpdateFunctionCode and
    UpdateFunctionConfiguration leave it."""
    context.services.lambdas.add_function(_function(context, logical_id, p, deployed.ref, deployed.attributes["Arn"]))
    return deployed


def _runtime(logical_id: str, p: dict[str, Any]) -> str:
    runtime = str(p.get("Runtime", "python3.13"))
    try:
        runtimes.check(runtime)
    except AwsError as error:
        raise refused("Lambda", error) from None
    except runtimes.LocalLimit as error:
        raise DeployError(f"{logical_id}: {error}") from None
    return runtime


def _function(context: Context, logical_id: str, p: dict[str, Any], function_name: str, arn: str) -> Function:
    runtime = _runtime(logical_id, p)
    if "ImageUri" in p["Code"]:
        raise DeployError(f"{logical_id}: image functions are not run by the local cloud")
    if "ZipFile" in p["Code"]:
        code_dir = code.inline(context, str(p["Code"]["ZipFile"]))
    else:
        code_dir = code.unpacked(context, logical_id, p["Code"], "functions")
    role = call(context.client("iam"), "GetRole", logical_id, RoleName=str(p["Role"]).rsplit("/", 1)[-1])["Role"]
    variables = (p.get("Environment") or {}).get("Variables") or {}
    logging = p.get("LoggingConfig") or {}
    return Function(
        name=function_name,
        arn=arn,
        code_dir=code_dir,
        handler=p["Handler"],
        runtime=runtime,
        timeout=float(p.get("Timeout", 3)),
        memory=int(p.get("MemorySize", 128)),
        environment={k: str(v) for k, v in variables.items()},
        layers=list(p.get("Layers", [])),
        role_arn=role["Arn"],
        role_id=role["RoleId"],
        description=str(p.get("Description", "")),
        log_group=str(logging.get("LogGroup") or f"/aws/lambda/{function_name}"),
        log_format=str(logging.get("LogFormat", "Text")),
        architectures=list(p.get("Architectures") or ["x86_64"]),
        tracing=str((p.get("TracingConfig") or {}).get("Mode", "PassThrough")),
    )


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    context.services.lambdas.remove_function(deployed.attributes["Arn"])


TYPE = ResourceType(
    "AWS::Lambda::Function",
    names(
        "Architectures Code CodeSigningConfigArn DeadLetterConfig Description Environment EphemeralStorage "
        "FileSystemConfigs FunctionName Handler ImageConfig KmsKeyArn Layers LoggingConfig MemorySize PackageType "
        "RecursiveLoop ReservedConcurrentExecutions Role Runtime RuntimeManagementConfig SnapStartConfig Tags "
        "Timeout TracingConfig VpcConfig"
    ),
    create,
    delete,
    update=update,
    not_applied={"VpcConfig": "a VPC", "FileSystemConfigs": "a file system"},
)
