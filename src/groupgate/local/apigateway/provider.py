"""The API Gateway control plane on the local cloud's endpoint: the REST APIs that serve requests, as
GetRestApis, GetRestApi, GetResources, GetStages, GetStage, GetDeployments, GetDeployment and GetExport show
them (``aws apigateway ...``, ``sam list endpoints``), and the account's settings (GetAccount, UpdateAccount:
``apigateway.account``). Shapes and messages are API Gateway's ("Invalid API identifier specified
<account>:<id>", ...); APIs are made and changed by CloudFormation here, so an operation that would change one
says the local cloud does not do it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from groupgate.local.apigateway.restapis import ANY_METHOD, HTTP_METHODS, Api, RestApis, Stage
from groupgate.local.protocol import AwsError, Handler, Operations

PAGE = 25  # API Gateway's default page (limit)


def _not_found(message: str) -> AwsError:
    return AwsError("NotFoundException", message, 404)


class ControlPlane(Operations):
    def __init__(self, apis: RestApis, *, invoke_url: Callable[[str, str], str]) -> None:
        self.apis, self.invoke_url = apis, invoke_url  # invoke_url(api id, stage): where the stage answers
        self.operations: dict[str, Handler] = {
            "GetRestApis": self.get_rest_apis,
            "GetRestApi": self.get_rest_api,
            "GetResources": self.get_resources,
            "GetStages": self.get_stages,
            "GetStage": self.get_stage,
            "GetDeployments": self.get_deployments,
            "GetDeployment": self.get_deployment,
            "GetExport": self.get_export,
            "GetAccount": lambda request: self.apis.account.shown(),
            "UpdateAccount": lambda request: self.apis.account.patch(request.get("patchOperations") or []),
        }

    def unknown(self, operation: str) -> AwsError:
        return AwsError(
            "UnknownOperationException", f"{operation} is not something the local cloud's API Gateway does", 404
        )

    def _api(self, api_id: str) -> Api:
        api = self.apis.apis.get(api_id)
        if api is None:
            raise _not_found(f"Invalid API identifier specified {self.apis.account_id}:{api_id}")
        return api

    def _stage(self, api_id: str, name: str) -> Stage:
        stage = self.apis.stages.get((api_id, name))
        if stage is None:
            raise _not_found("Invalid stage identifier specified")
        return stage

    # ------------------------------------------------------------ APIs and resources
    def _rest_api(self, api: Api) -> dict[str, Any]:
        return {
            "id": api.id,
            "name": api.name,
            **({"description": api.description} if api.description else {}),
            "createdDate": api.created,
            "apiKeySource": "HEADER",
            "endpointConfiguration": {"types": ["REGIONAL"]},
            "disableExecuteApiEndpoint": False,
            "rootResourceId": api.root_resource_id,
        }

    def get_rest_apis(self, request: dict[str, Any]) -> Mapping[str, Any]:
        apis = sorted(self.apis.apis.values(), key=lambda a: a.created)
        start, limit = int(request.get("position") or 0), int(request.get("limit") or PAGE)
        more = {"position": str(start + limit)} if start + limit < len(apis) else {}
        return {"items": [self._rest_api(a) for a in apis[start : start + limit]], **more}

    def get_rest_api(self, request: dict[str, Any]) -> Mapping[str, Any]:
        return self._rest_api(self._api(request["restApiId"]))

    def get_resources(self, request: dict[str, Any]) -> Mapping[str, Any]:
        api = self._api(request["restApiId"])
        items = []
        for path in sorted(api.paths()):
            item: dict[str, Any] = {"id": api.resource_id(path), "path": path}
            if path != "/":
                item["parentId"] = api.resource_id(path.rsplit("/", 1)[0] or "/")
                item["pathPart"] = path.rsplit("/", 1)[1]
            methods = (api.definition.get("paths") or {}).get(path) or {}
            verbs: dict[str, dict[str, Any]] = {
                ("ANY" if m == ANY_METHOD else m.upper()): {} for m in methods if m in (*HTTP_METHODS, ANY_METHOD)
            }
            if verbs:
                item["resourceMethods"] = verbs
            items.append(item)
        return {"items": items}

    # ------------------------------------------------------------ stages and deployments
    def _shown_stage(self, stage: Stage) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "deploymentId": stage.deployment_id,
            "stageName": stage.name,
            "cacheClusterEnabled": False,
            "cacheClusterStatus": "NOT_AVAILABLE",
            "methodSettings": {_setting_key(s): _setting(s) for s in stage.method_settings},
            "variables": dict(stage.variables),
            "tracingEnabled": stage.tracing,
            "createdDate": stage.created,
            "lastUpdatedDate": stage.updated,
        }
        if stage.description:
            shown["description"] = stage.description
        if stage.access_log:
            shown["accessLogSettings"] = {
                "format": stage.access_log.get("Format"), "destinationArn": stage.access_log.get("DestinationArn"),
            }  # fmt: skip
        return shown

    def get_stages(self, request: dict[str, Any]) -> Mapping[str, Any]:
        self._api(request["restApiId"])
        stages = [s for (api, _), s in sorted(self.apis.stages.items()) if api == request["restApiId"]]
        wanted = request.get("deploymentId")
        return {"item": [self._shown_stage(s) for s in stages if wanted in (None, s.deployment_id)]}

    def get_stage(self, request: dict[str, Any]) -> Mapping[str, Any]:
        self._api(request["restApiId"])
        return self._shown_stage(self._stage(request["restApiId"], request["stageName"]))

    def get_deployments(self, request: dict[str, Any]) -> Mapping[str, Any]:
        self._api(request["restApiId"])
        found = sorted((d for d in self.apis.deployments.values() if d.api_id == request["restApiId"]),
                       key=lambda d: d.created)  # fmt: skip
        return {"items": [_deployment(d) for d in found]}

    def get_deployment(self, request: dict[str, Any]) -> Mapping[str, Any]:
        self._api(request["restApiId"])
        found = self.apis.deployments.get(request["deploymentId"])
        if found is None or found.api_id != request["restApiId"]:
            raise _not_found("Invalid Deployment identifier specified")
        return _deployment(found)

    def get_export(self, request: dict[str, Any]) -> Mapping[str, Any]:
        """The stage's deployed definition (oas30 or swagger), with the stage's URL as its server."""
        api_id, name, kind = request["restApiId"], request["stageName"], request["exportType"]
        self._api(api_id)
        stage = self._stage(api_id, name)
        if kind not in ("oas30", "swagger"):
            raise AwsError("BadRequestException", f"Invalid export type: {kind}")
        definition = json.loads(json.dumps(self.apis.deployments[stage.deployment_id].definition))
        url = self.invoke_url(api_id, name)
        if kind == "oas30":
            definition["servers"] = [{"url": url}]
        else:
            host, _, base = url.split("://", 1)[-1].partition("/")
            definition.update(host=host, basePath="/" + base.strip("/"), schemes=[url.split("://", 1)[0]])
        if not (request.get("parameters") or {}).get("extensions"):
            definition = _without_extensions(definition)
        return {
            "contentType": "application/json",
            "contentDisposition": f'attachment; filename="{kind}_{api_id}-{name}.json"',
            "body": json.dumps(definition, indent=2).encode(),
        }


def _deployment(found: Any) -> dict[str, Any]:
    return {
        "id": found.id,
        "createdDate": found.created,
        **({"description": found.description} if found.description else {}),
    }


def _setting_key(setting: Mapping[str, Any]) -> str:
    path = str(setting.get("ResourcePath", "/*")).lstrip("/").replace("/", "~1")
    return f"{path or '*'}/{setting.get('HttpMethod', '*')}"


def _setting(setting: Mapping[str, Any]) -> dict[str, Any]:
    names = {"MetricsEnabled": "metricsEnabled", "LoggingLevel": "loggingLevel", "DataTraceEnabled": "dataTraceEnabled",
             "ThrottlingBurstLimit": "throttlingBurstLimit", "ThrottlingRateLimit": "throttlingRateLimit",
             "CachingEnabled": "cachingEnabled", "CacheTtlInSeconds": "cacheTtlInSeconds"}  # fmt: skip
    shown: dict[str, Any] = {"metricsEnabled": False, "dataTraceEnabled": False, "cachingEnabled": False,
                             "loggingLevel": "OFF"}  # fmt: skip
    for key, value in setting.items():
        if key in names:
            shown[names[key]] = _typed(value)
    return shown


def _typed(value: Any) -> Any:
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, str):
        try:
            return int(value) if value.isdigit() else float(value)
        except ValueError:
            return value
    return value


def _without_extensions(value: Any) -> Any:
    """The definition as API Gateway exports it by default: no x-amazon-apigateway-* keys."""
    if isinstance(value, dict):
        return {k: _without_extensions(v) for k, v in value.items() if not str(k).startswith("x-amazon-apigateway")}
    if isinstance(value, list):
        return [_without_extensions(v) for v in value]
    return value
