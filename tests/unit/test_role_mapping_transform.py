"""The RoleMappings transformer: the map it builds, and the reason it gives for each bad input."""

from __future__ import annotations

from typing import Any

import pytest
from support.events import load_event

from groupgate_common.validation import InvalidInput
from role_mapping.mappings import build_role_mappings

PROVIDER = "cognito-idp.us-east-1.amazonaws.com/us-east-1_EXAMPLE1:1example23456789abcdefghij"
ROLE = "arn:aws:iam::123456789012:role/groupgate-GroupRole-ABC"
TOKEN_DENY = {"Type": "Token", "AmbiguousRoleResolution": "Deny"}


def properties(*entries: Any, **extra: Any) -> dict[str, Any]:
    return {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:f", "Entries": list(entries), **extra}


def rules_value(rules: list[Any]) -> dict[str, Any]:
    return {"Type": "Rules", "AmbiguousRoleResolution": "Deny", "RulesConfiguration": {"Rules": rules}}


def rule(**overrides: str) -> dict[str, str]:
    return {"Claim": "cognito:groups", "MatchType": "Contains", "Value": "exgroup", "RoleARN": ROLE, **overrides}


def test_the_templates_entry_becomes_a_map_keyed_by_provider_and_client() -> None:
    # GIVEN the properties CloudFormation sends for the template's resource (ServiceTimeout as a string)
    props = load_event("role_mapping_create")["ResourceProperties"]

    # WHEN they are transformed
    mappings = build_role_mappings(props)

    # THEN the key is the provider:client string and the value is the role mapping, unchanged
    assert mappings == {PROVIDER: TOKEN_DENY}


def test_several_providers_and_a_rules_mapping_keep_their_order_and_rules() -> None:
    other = "graph.facebook.com"
    value = rules_value([rule(), rule(MatchType="Equals", Value="admins")])

    mappings = build_role_mappings(properties({"Key": PROVIDER, "Value": TOKEN_DENY}, {"Key": other, "Value": value}))

    assert list(mappings) == [PROVIDER, other]
    assert mappings[other] == value


@pytest.mark.parametrize(
    ("props", "reason"),
    [
        ({"ServiceToken": "x"}, "ResourceProperties.Entries is missing"),
        (properties(), "ResourceProperties.Entries is empty"),
        ({"Entries": "Key=a"}, "ResourceProperties.Entries must be a list, got a string"),
        (properties(*[{"Key": f"p{i}", "Value": TOKEN_DENY} for i in range(11)]), "has 11 entries; an identity pool"),
        (properties("Key"), "ResourceProperties.Entries[0] must be an object, got a string"),
        (properties({"Value": TOKEN_DENY}), "ResourceProperties.Entries[0].Key is missing"),
        (properties({"Key": "", "Value": TOKEN_DENY}), "ResourceProperties.Entries[0].Key must not be empty"),
        (
            properties({"Key": 7, "Value": TOKEN_DENY}),
            "ResourceProperties.Entries[0].Key must be a string, got a number",
        ),
        (
            properties({"Key": PROVIDER, "Value": TOKEN_DENY}, {"Key": PROVIDER, "Value": TOKEN_DENY}),
            "ResourceProperties.Entries[1].Key " + repr(PROVIDER) + " repeats ResourceProperties.Entries[0].Key",
        ),
        (properties({"Key": PROVIDER}), "ResourceProperties.Entries[0].Value is missing"),
        (properties({"Key": PROVIDER, "Value": "Token"}), "ResourceProperties.Entries[0].Value must be an object"),
        (
            properties({"Key": PROVIDER, "Value": {"AmbiguousRoleResolution": "Deny"}}),
            "ResourceProperties.Entries[0].Value.Type is missing",
        ),
        (
            properties({"Key": PROVIDER, "Value": {"Type": "token", "AmbiguousRoleResolution": "Deny"}}),
            "ResourceProperties.Entries[0].Value.Type must be one of Token, Rules; got 'token'",
        ),
        (
            properties({"Key": PROVIDER, "Value": {"Type": "Token"}}),
            "ResourceProperties.Entries[0].Value.AmbiguousRoleResolution is missing: Type Token needs it",
        ),
        (
            properties({"Key": PROVIDER, "Value": {"Type": "Token", "AmbiguousRoleResolution": "Allow"}}),
            "AmbiguousRoleResolution must be one of AuthenticatedRole, Deny; got 'Allow'",
        ),
        (
            properties({"Key": PROVIDER, "Value": {**TOKEN_DENY, "Ambiguous": "Deny"}}),
            "ResourceProperties.Entries[0].Value.Ambiguous is not a known field",
        ),
        (
            properties({"Key": PROVIDER, "Value": {"Type": "Rules", "AmbiguousRoleResolution": "Deny"}}),
            "ResourceProperties.Entries[0].Value.RulesConfiguration is missing: Type Rules needs it",
        ),
        (
            properties({"Key": PROVIDER, "Value": {**TOKEN_DENY, "RulesConfiguration": {"Rules": [rule()]}}}),
            "RulesConfiguration is only allowed with Type Rules, not Token",
        ),
        (
            properties({"Key": PROVIDER, "Value": rules_value([])}),
            "RulesConfiguration.Rules must hold 1 to 25 rules, got 0",
        ),
        (
            properties({"Key": PROVIDER, "Value": rules_value([rule()] * 26)}),
            "RulesConfiguration.Rules must hold 1 to 25 rules, got 26",
        ),
        (
            properties({"Key": PROVIDER, "Value": rules_value([rule(), rule(MatchType="Regex")])}),
            "ResourceProperties.Entries[0].Value.RulesConfiguration.Rules[1].MatchType must be one of "
            "Equals, Contains, StartsWith, NotEqual; got 'Regex'",
        ),
        (
            properties({"Key": PROVIDER, "Value": rules_value([rule(RoleARN="GroupRole")])}),
            "Rules[0].RoleARN must be an IAM role ARN, got 'GroupRole'",
        ),
        (
            properties({"Key": PROVIDER, "Value": rules_value([rule(Claim="c" * 65)])}),
            "Rules[0].Claim must be at most 64 characters, got 65",
        ),
        (
            {**properties({"Key": PROVIDER, "Value": TOKEN_DENY}), "Entry": []},
            "ResourceProperties.Entry is not a known field; expected one of ServiceToken, ServiceTimeout, Entries",
        ),
    ],
)
def test_bad_input_is_refused_with_a_reason_that_names_the_field(props: dict[str, Any], reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        build_role_mappings(props)

    assert reason in str(refused.value)
