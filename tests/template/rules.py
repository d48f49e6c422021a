"""Checks over the SAM-translated template for what no linter checks.

Each check returns the problems it finds (empty when the template is right). The tests run every
check on template.yaml, and run each on a deliberately broken copy to show it does find problems.
Roles and functions are found by what they do (the role a group carries, the function the user
pool calls), never by their logical ids.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterator
from typing import Any

from support.template import Template, as_list, only, referenced_id, resources, statements

COGNITO_IDENTITY = "cognito-identity.amazonaws.com"
AUD = f"{COGNITO_IDENTITY}:aud"
AMR = f"{COGNITO_IDENTITY}:amr"


# ---------------------------------------------------------------- finding things by their use
def identity_pool_id(t: Template) -> str:
    return only(t, "AWS::Cognito::IdentityPool")[0]


def user_pool_id(t: Template) -> str:
    return only(t, "AWS::Cognito::UserPool")[0]


def attachment(t: Template) -> dict[str, Any]:
    properties: dict[str, Any] = only(t, "AWS::Cognito::IdentityPoolRoleAttachment")[1]["Properties"]
    return properties


def attached_role(t: Template, kind: str) -> str | None:
    """The role the identity pool gives ``authenticated`` or ``unauthenticated`` identities."""
    value = attachment(t)["Roles"].get(kind)
    if isinstance(value, dict) and "Fn::If" in value:  # the guest role exists only when guests are allowed
        value = value["Fn::If"][1]
    return referenced_id(value)


def group_role(t: Template) -> str | None:
    return referenced_id(only(t, "AWS::Cognito::UserPoolGroup")[1]["Properties"].get("RoleArn"))


def trigger_function(t: Template) -> str | None:
    config = t["Resources"][user_pool_id(t)]["Properties"].get("LambdaConfig", {})
    return referenced_id(config.get("PostConfirmation"))


def role_of(t: Template, function: str) -> str | None:
    return referenced_id(t["Resources"][function]["Properties"]["Role"])


def policies_of_role(t: Template, role: str) -> Iterator[dict[str, Any]]:
    """Every policy document that applies to ``role``: inline ones and AWS::IAM::Policy/RolePolicy."""
    for policy in t["Resources"][role]["Properties"].get("Policies", []):
        yield policy["PolicyDocument"]
    for _, policy in resources(t, "AWS::IAM::Policy"):
        if role in [referenced_id(r) for r in policy["Properties"].get("Roles", [])]:
            yield policy["Properties"]["PolicyDocument"]
    for _, policy in resources(t, "AWS::IAM::RolePolicy"):
        if referenced_id(policy["Properties"].get("RoleName")) == role:
            yield policy["Properties"]["PolicyDocument"]


def all_policy_documents(t: Template) -> Iterator[tuple[str, dict[str, Any]]]:
    for role, _ in resources(t, "AWS::IAM::Role"):
        for document in policies_of_role(t, role):
            yield role, document
    for name, policy in resources(t, "AWS::IAM::ManagedPolicy"):
        yield name, policy["Properties"]["PolicyDocument"]


def text_of(value: Any) -> str:
    """A resource ARN as written: a plain string, or the template string of a Fn::Sub."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return str(sub[0] if isinstance(sub, list) else sub)
    return repr(value)


def allows(statement: dict[str, Any], action: str) -> bool:
    return statement.get("Effect") == "Allow" and any(
        fnmatch.fnmatchcase(action, pattern) for pattern in as_list(statement.get("Action", []))
    )


# ---------------------------------------------------------------- the checks
def cognito_roles_have_aud_and_amr(t: Template) -> list[str]:
    """Every role trusted by cognito-identity names this identity pool (aud) and a sign-in kind (amr)."""
    problems = []
    pool = identity_pool_id(t)
    guest = attached_role(t, "unauthenticated")
    for role, resource in resources(t, "AWS::IAM::Role"):
        for statement in statements(resource["Properties"]["AssumeRolePolicyDocument"]):
            if COGNITO_IDENTITY not in as_list(statement.get("Principal", {}).get("Federated", [])):
                continue
            condition = statement.get("Condition", {})
            if referenced_id(condition.get("StringEquals", {}).get(AUD)) != pool:
                problems.append(f"{role}: trust policy lacks StringEquals {AUD} = the identity pool")
            expected = "unauthenticated" if role == guest else "authenticated"
            if condition.get("ForAnyValue:StringLike", {}).get(AMR) != expected:
                problems.append(f"{role}: trust policy lacks ForAnyValue:StringLike {AMR} = {expected}")
    return problems


def invoke_is_never_on_a_wildcard(t: Template) -> list[str]:
    """No policy allows execute-api:Invoke on a wildcard; the one that does names this API's stage's GET / and
    GET /me, each exactly."""
    problems = []
    api = only(t, "AWS::ApiGateway::RestApi")[0]
    exact = [f":${{{api}}}/${{StageName}}/GET/{path}" for path in ("", "me")]
    for owner, document in all_policy_documents(t):
        for statement in statements(document):
            if not allows(statement, "execute-api:Invoke"):
                continue
            for resource in as_list(statement.get("Resource", [])):
                arn = text_of(resource)
                if "*" in arn or "?" in arn or not any(arn.endswith(e) for e in exact):
                    problems.append(f"{owner}: allows execute-api:Invoke on {arn}, not exactly one of ...{exact}")
    return problems


def classic_flow_is_off(t: Template) -> list[str]:
    allowed = t["Resources"][identity_pool_id(t)]["Properties"].get("AllowClassicFlow")
    return [] if allowed is False else [f"AllowClassicFlow is {allowed!r}, not false"]


def no_legacy_auth_flow(t: Template) -> list[str]:
    problems = []
    for client, resource in resources(t, "AWS::Cognito::UserPoolClient"):
        for flow in resource["Properties"].get("ExplicitAuthFlows", []):
            if not str(flow).startswith("ALLOW_"):
                problems.append(f"{client}: legacy auth flow name {flow}")
    return problems


def trigger_policy_names_only_this_pool(t: Template) -> list[str]:
    function = trigger_function(t)
    if function is None:
        return ["the user pool has no post-confirmation trigger"]
    role = role_of(t, function)
    if role is None:
        return [f"{function}: its role is not in the template"]
    pool_arn = {"Fn::GetAtt": [user_pool_id(t), "Arn"]}
    problems, granted = [], False
    for document in policies_of_role(t, role):
        for statement in statements(document):
            actions = as_list(statement.get("Action", []))
            if not any(str(a).startswith("cognito-idp:") or a == "*" for a in actions):
                continue
            granted = True
            if actions != ["cognito-idp:AdminAddUserToGroup"]:
                problems.append(f"{role}: allows {actions}, more than cognito-idp:AdminAddUserToGroup")
            if as_list(statement.get("Resource")) != [pool_arn]:
                problems.append(f"{role}: cognito-idp access on {statement.get('Resource')}, not only this pool")
    if not granted:
        problems.append(f"{role}: no policy lets the trigger call cognito-idp:AdminAddUserToGroup")
    return problems


def guests_are_denied_the_api(t: Template) -> list[str]:
    guest = attached_role(t, "unauthenticated")
    if guest is None:
        return []
    for document in policies_of_role(t, guest):
        for statement in statements(document):
            if statement.get("Effect") == "Deny" and "execute-api:Invoke" in as_list(statement.get("Action")):
                return []
    return [f"{guest}: the guest role has no explicit Deny of execute-api:Invoke"]


def default_authenticated_role_grants_nothing(t: Template) -> list[str]:
    role = attached_role(t, "authenticated")
    if role is None:
        return ["the identity pool has no authenticated role"]
    granted = list(policies_of_role(t, role)) + t["Resources"][role]["Properties"].get("ManagedPolicyArns", [])
    return [f"{role}: the default authenticated role grants {granted}"] if granted else []


def role_mapping_is_token_with_deny(t: Template) -> list[str]:
    mappings = attachment(t).get("RoleMappings")
    source = referenced_id(mappings)
    if source is None or not t["Resources"][source]["Type"].startswith("Custom::"):
        return [f"RoleMappings {mappings!r} does not come from the custom resource"]
    properties = t["Resources"][source]["Properties"]
    problems = []
    if not 1 <= int(properties.get("ServiceTimeout", 3600)) <= 600:
        problems.append(f"{source}: ServiceTimeout {properties.get('ServiceTimeout')!r}, not set to minutes")
    expected_key = f"${{{user_pool_id(t)}.ProviderName}}:${{{only(t, 'AWS::Cognito::UserPoolClient')[0]}}}"
    for entry in properties.get("Entries", []):
        if text_of(entry["Key"]) != expected_key:
            problems.append(f"{source}: key {entry['Key']!r} is not {expected_key}")
        if entry["Value"] != {"Type": "Token", "AmbiguousRoleResolution": "Deny"}:
            problems.append(f"{source}: mapping {entry['Value']!r} is not Type Token with Deny")
    return problems or ([] if properties.get("Entries") else [f"{source}: no Entries"])


def trigger_permission_is_scoped(t: Template) -> list[str]:
    function = trigger_function(t)
    for name, permission in resources(t, "AWS::Lambda::Permission"):
        properties = permission["Properties"]
        if properties.get("Principal") != "cognito-idp.amazonaws.com":
            continue
        problems = []
        if referenced_id(properties.get("FunctionName")) != function:
            problems.append(f"{name}: not for the post-confirmation function")
        if properties.get("SourceArn") != {"Fn::GetAtt": [user_pool_id(t), "Arn"]}:
            problems.append(f"{name}: SourceArn is not this user pool")
        if properties.get("SourceAccount") != {"Ref": "AWS::AccountId"}:
            problems.append(f"{name}: SourceAccount is not this account")
        return problems
    return ["no permission lets cognito-idp.amazonaws.com invoke the trigger"]


def cloudwatch_role_setting(t: Template) -> tuple[str, dict[str, Any]] | None:
    """The custom resource that sets API Gateway's account role: the one whose properties name a RoleArn."""
    return next(((n, r) for n, r in t["Resources"].items()
                 if r["Type"].startswith("Custom::") and "RoleArn" in r.get("Properties", {})), None)  # fmt: skip


def account_setting_is_least_privilege(t: Template) -> list[str]:
    """The custom resource that sets API Gateway's CloudWatch Logs role passes only the stack's own role, which
    is kept when the stack goes (the setting must not dangle); its function may read and patch the account
    settings of this region (IAM cannot narrow PATCH to one field: the code does) and do nothing else."""
    found = cloudwatch_role_setting(t)
    if found is None:
        return ["no custom resource sets API Gateway's CloudWatch Logs role"]
    name, setting = found
    role = referenced_id(setting["Properties"]["RoleArn"])
    function = referenced_id(setting["Properties"].get("ServiceToken"))
    if role is None or t["Resources"][role]["Type"] != "AWS::IAM::Role":
        return [f"{name}: RoleArn is not a role of this stack"]
    problems = [f"{role}: {policy} is not Retain" for policy in ("DeletionPolicy", "UpdateReplacePolicy")
                if t["Resources"][role].get(policy) != "Retain"]  # fmt: skip
    executor = role_of(t, function or "") if function in t["Resources"] else None
    if executor is None:
        return [*problems, f"{name}: its ServiceToken is not a function of this stack with a role of its own"]
    account = "arn:${AWS::Partition}:apigateway:${AWS::Region}::/account"
    passed = False
    for document in policies_of_role(t, executor):
        for statement in statements(document):
            actions = [str(a) for a in as_list(statement.get("Action"))]
            targets = as_list(statement.get("Resource"))
            if statement.get("Effect") != "Allow":
                continue
            if actions == ["iam:PassRole"]:
                passed = targets == [{"Fn::GetAtt": [role, "Arn"]}] and statement.get("Condition") == {
                    "StringEquals": {"iam:PassedToService": "apigateway.amazonaws.com"}}  # fmt: skip
                if not passed:
                    problems.append(f"{executor}: passes {targets} to {statement.get('Condition')}, not only {role}")
            elif set(actions) <= {"apigateway:GET", "apigateway:PATCH"}:
                if [text_of(r) for r in targets] != [account]:
                    problems.append(f"{executor}: {actions} on {targets}, not only this region's {account}")
            else:
                problems.append(f"{executor}: allows {actions}, more than the account settings need")
    return problems if passed else [*problems, f"{executor}: may not pass {role} to API Gateway"]


CHECKS: dict[str, Callable[[Template], list[str]]] = {
    check.__name__: check
    for check in (
        cognito_roles_have_aud_and_amr,
        invoke_is_never_on_a_wildcard,
        classic_flow_is_off,
        no_legacy_auth_flow,
        trigger_policy_names_only_this_pool,
        guests_are_denied_the_api,
        default_authenticated_role_grants_nothing,
        role_mapping_is_token_with_deny,
        trigger_permission_is_scoped,
        account_setting_is_least_privilege,
    )
}
