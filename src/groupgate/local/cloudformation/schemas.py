"""Which property changes make CloudFormation replace a resource rather than update it in place.

The source is each type's registry schema, as cfn-lint ships it (offline): its ``createOnlyProperties``.
Where a schema leaves out a setting the service cannot change after creation, the resource reference's
"Update requires: Replacement" line (and the service's own guide) is the source, kept in ``REPLACED_BY``
below with where it says so.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

__all__ = ["replacing_changes"]

# Properties whose change replaces the resource though its registry schema does not list them.
REPLACED_BY: Mapping[str, tuple[str, ...]] = {
    # Amazon Cognito developer guide, "Updating user pool and app client configuration", settings you can't
    # change: sign-in options (AliasAttributes, UsernameAttributes) and case sensitivity (UsernameConfiguration);
    # the resource reference says "Update requires: Replacement" for each.
    "AWS::Cognito::UserPool": (
        "/properties/AliasAttributes",
        "/properties/UsernameAttributes",
        "/properties/UsernameConfiguration",
    ),
}


@functools.cache
def create_only(type_name: str) -> tuple[tuple[str, ...], ...]:
    """The property paths (as tuples of names, ``*`` for every item of a list) that cannot change in place."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER, ResourceNotFoundError  # noqa: PLC0415 - 0.7 s, when first needed

    try:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", type_name).schema
        listed = list(schema.get("createOnlyProperties") or [])
    except ResourceNotFoundError:
        listed = []
    paths = {*listed, *REPLACED_BY.get(type_name, ())}
    return tuple(sorted(tuple(path.split("/")[2:]) for path in paths if path.startswith("/properties/")))


def _at(value: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if part == "*":
            return value  # a list's items: the list is compared whole
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def replacing_changes(type_name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The top-level properties whose change (between resolved ``old`` and ``new``) replaces the resource."""
    return sorted({path[0] for path in create_only(type_name) if _at(old, path) != _at(new, path)})
