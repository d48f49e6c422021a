"""Turn the custom resource's ``Entries`` list into an identity pool ``RoleMappings`` map.

CloudFormation cannot compute a map key (``<UserPool.ProviderName>:<ClientId>``) with intrinsic
functions, so the template passes ``Entries: [{Key, Value}]`` and this transformer returns
``{Key: Value, ...}``. It makes no AWS calls. Each ``Value`` is checked against the shape that
``AWS::Cognito::IdentityPoolRoleAttachment`` accepts, so a typo fails this resource with a reason
that names the entry, instead of failing the role attachment later with a vaguer one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from groupgate_common.validation import (
    InvalidInput,
    reject_unknown,
    require_choice,
    require_list,
    require_mapping,
    require_str,
)

# Limits and names from the cognito-identity API reference (RoleMapping, RulesConfigurationType,
# MappingRule) and the AWS::Cognito::IdentityPoolRoleAttachment property reference.
MAX_ROLE_MAPPINGS = 10
MAX_RULES = 25
MAPPING_TYPES = ("Token", "Rules")
AMBIGUOUS_ROLE_RESOLUTIONS = ("AuthenticatedRole", "Deny")
MATCH_TYPES = ("Equals", "Contains", "StartsWith", "NotEqual")
ROLE_MAPPING_FIELDS = ("Type", "AmbiguousRoleResolution", "RulesConfiguration", "IdentityProvider")
RULE_FIELDS = ("Claim", "MatchType", "Value", "RoleARN")
# CloudFormation adds ServiceToken (and ServiceTimeout, when set) to the properties it sends.
RESOURCE_PROPERTIES = ("ServiceToken", "ServiceTimeout", "Entries")

RoleMappings = dict[str, dict[str, Any]]


def build_role_mappings(properties: Mapping[str, Any]) -> RoleMappings:
    """Return the RoleMappings map for ``ResourceProperties``, or raise ``InvalidInput``."""
    path = "ResourceProperties"
    reject_unknown(properties, RESOURCE_PROPERTIES, path)
    if "Entries" not in properties:
        raise InvalidInput(f"{path}.Entries is missing: give a list of {{Key, Value}} objects")
    entries = require_list(properties["Entries"], f"{path}.Entries")
    if not entries:
        raise InvalidInput(f"{path}.Entries is empty: give at least one {{Key, Value}} object")
    if len(entries) > MAX_ROLE_MAPPINGS:
        raise InvalidInput(
            f"{path}.Entries has {len(entries)} entries; an identity pool takes at most "
            f"{MAX_ROLE_MAPPINGS} role mappings"
        )

    mappings: RoleMappings = {}
    first_index: dict[str, int] = {}
    for index, raw in enumerate(entries):
        entry_path = f"{path}.Entries[{index}]"
        entry = require_mapping(raw, entry_path)
        reject_unknown(entry, ("Key", "Value"), entry_path)
        key = require_str(entry, "Key", entry_path, max_length=512)
        if key in first_index:
            raise InvalidInput(
                f"{entry_path}.Key {key!r} repeats {path}.Entries[{first_index[key]}].Key; "
                "each identity provider may have one role mapping"
            )
        if "Value" not in entry:
            raise InvalidInput(f"{entry_path}.Value is missing")
        mappings[key] = _role_mapping(require_mapping(entry["Value"], f"{entry_path}.Value"), f"{entry_path}.Value")
        first_index[key] = index
    return mappings


def _role_mapping(value: Mapping[str, Any], path: str) -> dict[str, Any]:
    reject_unknown(value, ROLE_MAPPING_FIELDS, path)
    mapping_type = require_choice(value, "Type", path, MAPPING_TYPES)
    if "AmbiguousRoleResolution" not in value:
        raise InvalidInput(
            f"{path}.AmbiguousRoleResolution is missing: Type {mapping_type} needs it "
            f"({' or '.join(AMBIGUOUS_ROLE_RESOLUTIONS)})"
        )
    result: dict[str, Any] = {
        "Type": mapping_type,
        "AmbiguousRoleResolution": require_choice(value, "AmbiguousRoleResolution", path, AMBIGUOUS_ROLE_RESOLUTIONS),
    }
    if "IdentityProvider" in value:
        result["IdentityProvider"] = require_str(value, "IdentityProvider", path, max_length=512)

    if mapping_type == "Token":
        if "RulesConfiguration" in value:
            raise InvalidInput(f"{path}.RulesConfiguration is only allowed with Type Rules, not Token")
        return result

    if "RulesConfiguration" not in value:
        raise InvalidInput(f"{path}.RulesConfiguration is missing: Type Rules needs it")
    config_path = f"{path}.RulesConfiguration"
    config = require_mapping(value["RulesConfiguration"], config_path)
    reject_unknown(config, ("Rules",), config_path)
    if "Rules" not in config:
        raise InvalidInput(f"{config_path}.Rules is missing")
    rules = require_list(config["Rules"], f"{config_path}.Rules")
    if not 1 <= len(rules) <= MAX_RULES:
        raise InvalidInput(f"{config_path}.Rules must hold 1 to {MAX_RULES} rules, got {len(rules)}")
    result["RulesConfiguration"] = {
        "Rules": [_rule(rule, f"{config_path}.Rules[{index}]") for index, rule in enumerate(rules)]
    }
    return result


def _rule(raw: object, path: str) -> dict[str, str]:
    rule = require_mapping(raw, path)
    reject_unknown(rule, RULE_FIELDS, path)
    role_arn = require_str(rule, "RoleARN", path)
    if not role_arn.startswith("arn:") or ":role/" not in role_arn:
        raise InvalidInput(f"{path}.RoleARN must be an IAM role ARN, got {role_arn!r}")
    return {
        "Claim": require_str(rule, "Claim", path, max_length=64),
        "MatchType": require_choice(rule, "MatchType", path, MATCH_TYPES),
        "Value": require_str(rule, "Value", path, max_length=128),
        "RoleARN": role_arn,
    }
