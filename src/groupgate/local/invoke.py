"""``groupgate local invoke``: one function on one event, without Docker, as ``sam local invoke`` does.

The function's handler, runtime, timeout, environment and layers come from the template (parameters
resolved; references to resources that only a deploy would create are left empty, as sam does),
overridden by an ``--env-vars`` file. AWS calls the function makes go to AWS with your own
credentials, or, with ``--outputs``, to a running local cloud.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from groupgate.local.awslambda.functions import Function, LambdaError, Lambdas
from groupgate.local.cloud import ACCOUNT_ID
from groupgate.local.cloudformation import template as stacks
from groupgate.local.credentials import CredentialStore

PASSED_THROUGH = (
    "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "HOME",
)


class _Lenient(stacks.Resolver):
    """Parameters and pseudo parameters resolve; resources, which nothing created, become empty."""

    def __init__(self, stack: stacks.Stack, warn: Callable[[str], None]) -> None:
        super().__init__(stack)
        self.warn = warn

    def _ref(self, name: str, where: str) -> Any:
        try:
            return super()._ref(name, where)
        except stacks.TemplateError:
            self.warn(f"{where}: Ref {name} is a resource nothing created here; it is empty, as with sam local invoke")
            return ""

    def _get_att(self, name: str, attribute: str, where: str) -> Any:
        self.warn(f"{where}: Fn::GetAtt {name}.{attribute} is a resource nothing created here; it is empty")
        return ""


def _json_file(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text())
    except OSError as error:
        raise LambdaError(f"{what} {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise LambdaError(f"{what} {path} is not JSON: {error.msg} at line {error.lineno}") from None


def invoke_function(
    *,
    template: Path,
    function: str,
    event_file: Path,
    env_vars: Path | None,
    state_dir: Path,
    outputs: Path | None,
    region: str | None,
    parameters: Mapping[str, str],
    say: Callable[[str], None],
) -> int:
    local = _json_file(outputs, "--outputs") if outputs else {}
    region = (
        region
        or local.get("Region")
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or "us-east-1"
    )
    source = stacks.load(template)
    values = stacks.parameter_values(source, parameters)
    translated, code = stacks.translate(
        source, values, template_dir=template.resolve().parent, region=region, account_id=ACCOUNT_ID, name="local"
    )
    resources = translated["Resources"]
    functions = sorted(n for n, r in resources.items() if r["Type"] == "AWS::Lambda::Function")
    if function not in functions:
        raise LambdaError(f"{template} has no function {function!r}; it has: {', '.join(functions)}")
    stack = stacks.Stack("local", region, ACCOUNT_ID, template.parent, values, {}, translated, code)
    stack.conditions = stacks.evaluate_conditions(translated, values, stack.pseudo())
    resolver = _Lenient(stack, say)
    lambdas = Lambdas(
        state_dir=state_dir.resolve(),
        region=region,
        account_id=ACCOUNT_ID,
        credentials=CredentialStore(ACCOUNT_ID),
        roles=lambda arn: None,
        warn=say,
    )
    properties = resources[function]["Properties"]
    layers = []
    for entry in properties.get("Layers", []):
        layer_id = entry.get("Ref") if isinstance(entry, dict) else None
        if layer_id not in resources or resources[layer_id]["Type"] != "AWS::Lambda::LayerVersion":
            raise LambdaError(f"{function}: layer {entry!r} is not a layer of this template")
        layer = resources[layer_id]["Properties"]
        arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:layer:{layer_id}:1"
        lambdas.add_layer(arn, code[layer["Content"]["S3Key"]], (layer.get("CompatibleRuntimes") or ["python3.13"])[0])
        layers.append(arn)
    resolved = resolver.resolve(
        {k: v for k, v in properties.items() if k in ("Handler", "Runtime", "Timeout", "MemorySize", "Environment")},
        function,
    )
    variables = {k: str(v) for k, v in ((resolved.get("Environment") or {}).get("Variables") or {}).items()}
    if env_vars:
        overrides = _json_file(env_vars, "--env-vars")
        variables.update(
            {k: str(v) for k, v in {**overrides.get("Parameters", {}), **overrides.get(function, {})}.items()}
        )
    name = f"local-{function}"
    lambdas.add_function(
        Function(
            name=name,
            arn=f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}",
            code_dir=code[properties["Code"]["S3Key"]],
            handler=resolved["Handler"],
            runtime=resolved.get("Runtime", "python3.13"),
            timeout=float(resolved.get("Timeout", 3)),
            memory=int(resolved.get("MemorySize", 128)),
            environment=variables,
            layers=layers,
            role_arn="",
        )
    )
    if local:
        lambdas.endpoint_url = local["Endpoint"]
        credentials = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_SESSION_TOKEN": "local"}
    else:  # as sam local invoke: the person's own AWS settings (profile, keys, config files, HOME)
        credentials = {k: os.environ[k] for k in PASSED_THROUGH if k in os.environ}
    result = lambdas.invoke(name, _json_file(event_file, "--event"), credentials=credentials)
    for line in result.logs.rstrip().splitlines():
        say(line)
    if result.ok:
        say(json.dumps(result.payload, indent=2, default=str))
        return 0
    say(json.dumps({"errorType": result.error_type, "errorMessage": result.error_message}, indent=2))
    return 1
