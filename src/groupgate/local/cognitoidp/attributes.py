"""What a caller may write into a user's attributes, checked as Cognito checks it, before anything is written.

* Who: an app client (SignUp, UpdateUserAttributes) writes only its ``WriteAttributes``, or, when it names
  none, every attribute but ``email_verified`` and ``phone_number_verified``, which only an administrator sets
  (NotAuthorizedException "A client attempted to write unauthorized attribute", aws-sdk-js #3603). No one
  writes ``sub``.
* Which: every standard attribute exists in every pool (moto keeps only those a pool's ``Schema`` lists);
  a custom one must be declared ("Type for attribute {custom:x} could not be determined"); an attribute
  the schema marks immutable is set once, when the user is made.
* What: an email must look like one ("Invalid email address format."), a phone number like ``+<digits>``
  ("Invalid phone number format."), a Boolean be ``true`` or ``false``, a Number a number, and a String fit
  the schema's MinLength and MaxLength.
* Required: SignUp and AdminCreateUser must give every attribute the schema requires ("email: The
  attribute is required").

Schema problems are InvalidParameterException "Attributes did not conform to the schema: " followed by one
line a problem, as Cognito lists them for a new user (for an update: "user.<problem>" lines). Chosen where
Cognito's wording was not seen: immutable attributes, Boolean and Number values. The email pattern is chosen
here (Cognito does not publish its own): something, ``@``, a domain with a dot, no spaces.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import regex
from moto.cognitoidp.models import CognitoIdpUserPool, CognitoIdpUserPoolAttribute, CognitoIdpUserPoolClient

from groupgate.local.protocol import AwsError

ADMIN_ONLY = frozenset({"email_verified", "phone_number_verified"})
NOBODY = frozenset({"sub"})
EMAIL = regex.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
PHONE = regex.compile(r"\+[0-9]{4,15}")
UNAUTHORIZED = "A client attempted to write unauthorized attribute"


def _schema(pool: CognitoIdpUserPool, name: str) -> Any:
    """The attribute's definition, or None where the pool has no such attribute."""
    declared = pool.schema_attributes.get(name)
    if declared is not None:
        return declared
    standard = CognitoIdpUserPoolAttribute.STANDARD_SCHEMA.get(name)
    return CognitoIdpUserPoolAttribute(name, False, standard) if standard else None


def check(
    pool: CognitoIdpUserPool,
    attributes: Iterable[Mapping[str, str]],
    *,
    client: CognitoIdpUserPoolClient | None,
    creating: bool,
) -> None:
    """Refuses what ``client`` (None: an administrator) may not write; ``creating`` for a new user."""
    given = {str(a.get("Name", "")): str(a.get("Value", "")) for a in attributes}
    writable = client.extended_config.get("WriteAttributes") if client is not None else None
    for name in given:
        if name in NOBODY or (client is not None and (name not in writable if writable else name in ADMIN_ONLY)):
            raise AwsError("NotAuthorizedException", UNAUTHORIZED)
    problems = [problem for name, value in given.items() if (problem := _problem(pool, name, value, creating))]
    if creating:
        problems += [
            f"{name}: The attribute is required"
            for name, attribute in pool.schema_attributes.items()
            if attribute.required and name not in NOBODY and not given.get(name)
        ]
    format_errors = [p for p in problems if p.startswith("Invalid ")]
    if format_errors:
        raise AwsError("InvalidParameterException", format_errors[0])
    if problems and creating:
        raise AwsError("InvalidParameterException", "Attributes did not conform to the schema: " + "\n".join(problems))
    if problems:  # an update names each problem by the user's attribute, as Cognito's answers do
        raise AwsError("InvalidParameterException", "".join(f"user.{problem}\n" for problem in problems))


def _problem(pool: CognitoIdpUserPool, name: str, value: str, creating: bool) -> str | None:
    attribute = _schema(pool, name)
    if attribute is None:
        if name.startswith(("custom:", "dev:")):
            return f"Type for attribute {{{name}}} could not be determined"
        return f"{name}: Attribute does not exist in the schema."
    if not creating and not attribute.mutable:
        return f"{name}: Attribute cannot be updated. (changing an immutable attribute)"  # chosen
    if name == "email" and not EMAIL.fullmatch(value):
        return "Invalid email address format."
    if name == "phone_number" and not PHONE.fullmatch(value):
        return "Invalid phone number format."
    return _value_problem(attribute, name, value)


def _value_problem(attribute: Any, name: str, value: str) -> str | None:
    if attribute.data_type == "Boolean" and value not in ("true", "false"):
        return f"{name}: Attribute value for Boolean must be true or false."  # chosen: AWS's wording not seen
    if attribute.data_type == "Number":
        try:
            float(value)
        except ValueError:
            return f"{name}: Number must be a number."  # chosen
    constraints = attribute.string_constraints or {}
    if attribute.data_type == "String":
        longest, shortest = constraints.get("MaxLength"), constraints.get("MinLength")
        if longest not in (None, "") and len(value) > int(longest):
            return f"{name}: String must be no longer than {longest} characters"
        if shortest not in (None, "") and len(value) < int(shortest):
            return f"{name}: String must be no shorter than {shortest} characters"
    return None
