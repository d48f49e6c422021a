"""AWS::Lambda::LayerVersion: built from its source folder as ``sam build`` builds it, or unpacked from the
zip ``sam deploy`` uploaded."""

from __future__ import annotations

from typing import Any

from groupgate.local.cloudformation.resources import code
from groupgate.local.cloudformation.resources.base import Context, ResourceType, names
from groupgate.local.cloudformation.template import Deployed


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    layer = p.get("LayerName") or logical_id
    version = context.services.lambdas.next_layer_version(layer)
    arn = context.arn("lambda", f"layer:{layer}:{version}")
    source = code.source_folder(context, p["Content"])
    if source is not None:
        runtimes = p.get("CompatibleRuntimes") or ["python3.13"]
        context.progress(f"building layer {logical_id} for {runtimes[0]} (pip, cached in .local/build)")
        context.services.lambdas.add_layer(arn, source, runtimes[0], _details(p))
    else:
        context.services.lambdas.add_built_layer(
            arn, code.unpacked(context, logical_id, p["Content"], "layers"), _details(p)
        )
    return Deployed(arn, {"LayerVersionArn": arn})


def _details(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "Description": p.get("Description", ""),
        "CompatibleRuntimes": p.get("CompatibleRuntimes") or [],
        "CompatibleArchitectures": p.get("CompatibleArchitectures") or [],
        "LicenseInfo": p.get("LicenseInfo"),
    }


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    context.services.lambdas.remove_layer(deployed.ref)


TYPE = ResourceType(
    "AWS::Lambda::LayerVersion",
    names("CompatibleArchitectures CompatibleRuntimes Content Description LayerName LicenseInfo"),
    create,
    delete,
)
