"""The Lambda API on the local cloud's endpoint, for the functions and layers every stack made: what the AWS
CLI, ``sam remote invoke``, ``sam logs`` and ``sam sync`` call. Answers are Lambda's: its configuration shape,
``ResourceNotFoundException`` "Function not found: <arn>", Invoke's ``X-Amz-Function-Error: Unhandled`` with
the error payload and ``LogType: Tail``'s last 4 KB of the log. Creating and deleting functions is
CloudFormation's here; an operation of the Lambda API the local cloud does not serve says so.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from groupgate.local import restjson
from groupgate.local.awslambda import packages, runtimes
from groupgate.local.awslambda.functions import Function, Invocation, LambdaError, Lambdas
from groupgate.local.protocol import AwsError, Handler, Operations

TAIL_BYTES = 4096
PAGE = 50  # ListFunctions' default and largest page
Fetch = Callable[[str, str], bytes]  # (bucket, key) -> the object, from the local S3


def _not_found(message: str) -> AwsError:
    return AwsError("ResourceNotFoundException", message, 404)


class LambdaApi(Operations):
    def __init__(self, lambdas: Lambdas, *, fetch: Fetch, work_dir: Path, roles: Callable[[str], Any]) -> None:
        self.lambdas, self.fetch, self.work_dir, self.roles = lambdas, fetch, work_dir, roles
        self.operations: dict[str, Handler] = {
            "ListFunctions": self.list_functions,
            "GetFunction": self.get_function,
            "GetFunctionConfiguration": self.get_function_configuration,
            "Invoke": self.invoke,
            "UpdateFunctionCode": self.update_function_code,
            "UpdateFunctionConfiguration": self.update_function_configuration,
            "GetFunctionUrlConfig": self.get_function_url_config,
            "PublishLayerVersion": self.publish_layer_version,
            "GetLayerVersion": self.get_layer_version,
            "ListLayerVersions": self.list_layer_versions,
            "DeleteLayerVersion": self.delete_layer_version,
        }

    def unknown(self, operation: str) -> AwsError:
        return AwsError("UnknownOperationException", f"{operation} is not something the local cloud's Lambda does", 404)

    # ------------------------------------------------------------ functions
    def _function(self, name: str) -> Function:
        """A function by name, ARN (with or without $LATEST) or partial ARN, as Lambda finds it."""
        bare = name.removesuffix(":$LATEST")
        try:
            return self.lambdas.find(bare)
        except LambdaError:
            arn = (
                bare
                if bare.startswith("arn:")
                else f"arn:aws:lambda:{self.lambdas.region}:{self.lambdas.account_id}:function:{bare}"
            )
            raise _not_found(f"Function not found: {arn}") from None

    def configuration(self, function: Function) -> dict[str, Any]:
        return {
            "FunctionName": function.name,
            "FunctionArn": function.arn,
            "Runtime": function.runtime,
            "Role": function.role_arn,
            "Handler": function.handler,
            "CodeSize": function.code_size,
            "Description": function.description,
            "Timeout": int(function.timeout),
            "MemorySize": function.memory,
            "LastModified": restjson.iso(function.last_modified),
            "CodeSha256": function.code_sha256,
            "Version": "$LATEST",
            "Environment": {"Variables": dict(function.environment)},
            "TracingConfig": {"Mode": function.tracing},
            "RevisionId": function.revision_id,
            "Layers": [{"Arn": arn, "CodeSize": 0} for arn in function.layers],
            "State": "Active",
            "LastUpdateStatus": "Successful",
            "PackageType": "Zip",
            "Architectures": list(function.architectures),
            "EphemeralStorage": {"Size": 512},
            "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
            "LoggingConfig": {"LogFormat": function.log_format, "LogGroup": function.log_group_name},
        }

    def list_functions(self, request: dict[str, Any]) -> Mapping[str, Any]:
        functions = sorted(self.lambdas.functions.values(), key=lambda f: f.name)
        start = int(request.get("Marker") or 0)
        size = min(int(request.get("MaxItems") or PAGE), PAGE)
        page = functions[start : start + size]
        more = {"NextMarker": str(start + size)} if start + size < len(functions) else {}
        return {"Functions": [self.configuration(f) for f in page], **more}

    def get_function(self, request: dict[str, Any]) -> Mapping[str, Any]:
        function = self._function(request["FunctionName"])
        location = f"file://{function.code_dir}"  # where its code is; the local cloud has no presigned S3 URL
        return {
            "Configuration": self.configuration(function),
            "Code": {"RepositoryType": "S3", "Location": location},
            "Tags": {},
        }

    def get_function_configuration(self, request: dict[str, Any]) -> Mapping[str, Any]:
        return self.configuration(self._function(request["FunctionName"]))

    def get_function_url_config(self, request: dict[str, Any]) -> Mapping[str, Any]:
        self._function(request["FunctionName"])
        raise _not_found("The resource you requested does not exist.")

    # ------------------------------------------------------------ invoking
    def invoke(self, request: dict[str, Any]) -> Mapping[str, Any]:
        function = self._function(request["FunctionName"])
        raw = request.get("Payload") or b"{}"
        try:
            event = json.loads(raw)
        except (UnicodeDecodeError, ValueError) as error:
            raise AwsError(
                "InvalidRequestContentException", f"Could not parse request body into json: {error}"
            ) from None
        kind = request.get("InvocationType") or "RequestResponse"
        if kind == "DryRun":
            return {"StatusCode": 204}
        if kind == "Event":
            threading.Thread(target=self.lambdas.invoke, args=(function.arn, event), daemon=True).start()
            return {"StatusCode": 202}
        result = self.lambdas.invoke(function.arn, event)
        answer: dict[str, Any] = {"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": _payload(result)}
        if not result.ok:
            answer["FunctionError"] = "Unhandled"
        if request.get("LogType") == "Tail":
            answer["LogResult"] = base64.b64encode(result.logs.encode()[-TAIL_BYTES:]).decode()
        return answer

    # ------------------------------------------------------------ changing code and configuration
    def update_function_code(self, request: dict[str, Any]) -> Mapping[str, Any]:
        function = self._function(request["FunctionName"])
        data = self._package(request, "function")
        folder = self._unpack("functions", data)
        updated = replace(function, code_dir=folder, code_sha256=packages.code_sha256(data), code_size=len(data))
        return self._replace(updated)

    def update_function_configuration(self, request: dict[str, Any]) -> Mapping[str, Any]:
        function = self._function(request["FunctionName"])
        if "Runtime" in request:
            try:
                runtimes.check(str(request["Runtime"]))
            except runtimes.LocalLimit as error:
                raise AwsError("InvalidParameterValueException", str(error)) from None
        changes: dict[str, Any] = {}
        for member, field in (("Description", "description"), ("Handler", "handler"), ("Runtime", "runtime"),
                              ("MemorySize", "memory"), ("Layers", "layers")):  # fmt: skip
            if member in request:
                changes[field] = request[member]
        if "Timeout" in request:
            changes["timeout"] = float(request["Timeout"])
        if "Environment" in request:
            changes["environment"] = dict((request["Environment"] or {}).get("Variables") or {})
        if "TracingConfig" in request:
            changes["tracing"] = request["TracingConfig"].get("Mode", function.tracing)
        if "LoggingConfig" in request:
            logging = request["LoggingConfig"]
            changes["log_group"] = logging.get("LogGroup", function.log_group)
            changes["log_format"] = logging.get("LogFormat", function.log_format)
        if "Role" in request:
            role = self.roles(request["Role"])
            if role is None:
                raise AwsError(
                    "InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda."
                )
            changes["role_arn"], changes["role_id"] = request["Role"], role[1]
        return self._replace(replace(function, **changes))

    def _replace(self, function: Function) -> dict[str, Any]:
        function.last_modified, function.revision_id = time.time(), str(uuid.uuid4())
        try:
            self.lambdas.add_function(function)
        except LambdaError as error:
            raise AwsError("InvalidParameterValueException", str(error)) from None
        return self.configuration(function)

    def _package(self, request: Mapping[str, Any], what: str) -> bytes:
        """A zip from ``ZipFile`` or from the local S3 (``S3Bucket``, ``S3Key``)."""
        if request.get("ZipFile"):
            return base64.b64decode(request["ZipFile"])
        bucket, key = request.get("S3Bucket"), request.get("S3Key")
        if not bucket or not key:
            raise AwsError(
                "InvalidParameterValueException",
                f"Please provide a source for the {what} code: ZipFile or S3Bucket and S3Key.",
            )
        try:
            return self.fetch(str(bucket), str(key))
        except Exception:  # noqa: BLE001 - whatever S3 said, Lambda says this
            raise AwsError(
                "InvalidParameterValueException",
                "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does "
                "not exist.",
            ) from None

    def _unpack(self, kind: str, data: bytes) -> Path:
        try:
            return packages.unpack(self.work_dir, kind, data)
        except packages.BadPackage:
            raise AwsError(
                "InvalidParameterValueException",
                "Could not unzip uploaded file. Please check your file, then try to upload again.",
            ) from None

    # ------------------------------------------------------------ layers
    def publish_layer_version(self, request: dict[str, Any]) -> Mapping[str, Any]:
        name = (
            str(request["LayerName"]).rsplit(":", 1)[-1]
            if ":layer:" in str(request["LayerName"])
            else str(request["LayerName"])
        )
        data = self._package(request.get("Content") or {}, "layer")
        folder = self._unpack("layers", data)
        version = self.lambdas.next_layer_version(name)
        arn = f"arn:aws:lambda:{self.lambdas.region}:{self.lambdas.account_id}:layer:{name}:{version}"
        details = {
            "Description": request.get("Description", ""),
            "CompatibleRuntimes": request.get("CompatibleRuntimes") or [],
            "CompatibleArchitectures": request.get("CompatibleArchitectures") or [],
            "LicenseInfo": request.get("LicenseInfo"),
            "CodeSha256": packages.code_sha256(data),
            "CodeSize": len(data),
        }
        try:
            self.lambdas.add_built_layer(arn, folder, details)
        except LambdaError as error:
            raise AwsError("InvalidParameterValueException", str(error)) from None
        return self._layer(arn)

    def _layer(self, arn: str) -> dict[str, Any]:
        if arn not in self.lambdas.layers:
            raise _not_found("The resource you requested does not exist.")
        details = self.lambdas.layer_details.get(arn, {})
        return {
            "LayerArn": arn.rsplit(":", 1)[0],
            "LayerVersionArn": arn,
            "Version": int(arn.rsplit(":", 1)[1]),
            "Description": details.get("Description", ""),
            "CreatedDate": restjson.iso(details.get("Created", time.time())),
            "CompatibleRuntimes": details.get("CompatibleRuntimes", []),
            "CompatibleArchitectures": details.get("CompatibleArchitectures", []),
            "LicenseInfo": details.get("LicenseInfo"),
            "Content": {
                "Location": f"file://{self.lambdas.layers[arn]}",
                "CodeSha256": details.get("CodeSha256", ""),
                "CodeSize": details.get("CodeSize", 0),
            },
        }

    def _layer_arn(self, request: Mapping[str, Any]) -> str:
        name = str(request["LayerName"])
        base = (
            name
            if name.startswith("arn:")
            else f"arn:aws:lambda:{self.lambdas.region}:{self.lambdas.account_id}:layer:{name}"
        )
        return f"{base}:{request['VersionNumber']}"

    def get_layer_version(self, request: dict[str, Any]) -> Mapping[str, Any]:
        return self._layer(self._layer_arn(request))

    def list_layer_versions(self, request: dict[str, Any]) -> Mapping[str, Any]:
        name = (
            str(request["LayerName"]).rsplit(":", 1)[-1]
            if ":layer:" in str(request["LayerName"])
            else str(request["LayerName"])
        )
        arns = [a for a in self.lambdas.layers if a.rsplit(":", 2)[-2] == name]
        found = sorted((self._layer(a) for a in arns), key=lambda v: -int(v["Version"]))
        for version in found:
            version.pop("LayerArn")
            version.pop("Content")
        return {"LayerVersions": found}

    def delete_layer_version(self, request: dict[str, Any]) -> Mapping[str, Any]:
        self.lambdas.remove_layer(self._layer_arn(request))  # a version already gone: nothing to do (204)
        return {}


def _payload(result: Invocation) -> bytes:
    if result.ok:
        return json.dumps(result.payload).encode()
    error = {"errorMessage": result.error_message, "errorType": result.error_type, "requestId": result.request_id,
             "stackTrace": result.stack_trace}  # fmt: skip
    return json.dumps(error).encode()
