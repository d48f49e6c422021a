"""Rules: a request is checked against its operation's shape in botocore's model before anything changes
(SerializationException, InvalidParameterException or ValidationException, UnknownOperationException, with the
wording AWS's JSON front end was seen to use: amplify-js #5165, aws-sdk-js-v3 #2831, boto3 #3581); what a
client may write is checked as Cognito checks it (AWS-SEMANTICS.md section 10; aws-sdk-js #3603, amplify-js
#935); and an unexpected failure answers InternalErrorException "Internal server error." (aws-sdk-android
#2022) with nothing half-written."""

from __future__ import annotations

import json
import logging
from typing import Any, NamedTuple

import pytest
from moto.cognitoidp.models import CognitoIdpBackend
from support.hostile import PASSWORD, Hostile, error_of, refusal

IDP = "AWSCognitoIdentityProviderService"
SCHEMA = "Attributes did not conform to the schema: "


def sign_up_body(hostile: Hostile, name: str, **change: Any) -> dict[str, Any]:
    body = {"ClientId": hostile.client, "Username": name, "Password": PASSWORD,
            "UserAttributes": [{"Name": "email", "Value": f"{name}@example.com"}]}  # fmt: skip
    return {**body, **change}


def exists(hostile: Hostile, name: str) -> bool:
    try:
        hostile.idp.admin_get_user(UserPoolId=hostile.pool, Username=name)
    except hostile.idp.exceptions.UserNotFoundException:
        return False
    return True


# ---------------------------------------------------------------- the model
class Malformed(NamedTuple):
    target: str
    body: str
    error: str  # AWS's error type
    message: str  # how AWS's message begins ("" where AWS sends none)
    seen: str  # where that answer is written down


ATHENA = "the JSON front end's wording, measured on Athena"
NO_MESSAGE = "seen from cognito-idp: SerializationException with no message"
MALFORMED = {
    "a body that is a list": Malformed(
        f"{IDP}.SignUp", "[]", "SerializationException", "Start of list found where not expected", ATHENA
    ),
    "a body that is null": Malformed(f"{IDP}.SignUp", "null", "SerializationException", "", NO_MESSAGE),
    "a body that is a string": Malformed(f"{IDP}.SignUp", '"hello"', "SerializationException", "", NO_MESSAGE),
    "a body that is not JSON": Malformed(f"{IDP}.SignUp", "{not json", "SerializationException", "", NO_MESSAGE),
    "a body with NaN": Malformed(f"{IDP}.InitiateAuth", '{"AuthFlow": NaN}', "SerializationException", "", NO_MESSAGE),
    "a list where a string belongs": Malformed(
        f"{IDP}.SignUp", '{"ClientId": ["a"], "Username": "u"}', "SerializationException",
        "Start of list found where not expected", "aws-sdk-js-v3 #2831",
    ),
    "a number where a string belongs": Malformed(
        f"{IDP}.SignUp", '{"ClientId": "a", "Username": 5}', "SerializationException",
        "NUMBER_VALUE can not be converted to a String", ATHENA,
    ),
    "a boolean where a string belongs": Malformed(
        f"{IDP}.SignUp", '{"ClientId": true, "Username": "u"}', "SerializationException",
        "TRUE_VALUE can not be converted to a String", "amazon-cognito-identity-js #485; " + ATHENA,
    ),
    "an object where a string belongs": Malformed(
        f"{IDP}.GetUser", '{"AccessToken": {}}', "SerializationException",
        "Start of structure or map found where not expected.", "amplify-js #5165",
    ),
    "AuthParameters as a string": Malformed(
        f"{IDP}.InitiateAuth", '{"AuthFlow": "USER_SRP_AUTH", "ClientId": "a", "AuthParameters": "USERNAME=x"}',
        "SerializationException", "Expected null", ATHENA,
    ),
    "an AuthParameters value that is a number": Malformed(
        f"{IDP}.InitiateAuth", '{"AuthFlow": "USER_SRP_AUTH", "ClientId": "a", "AuthParameters": {"SRP_A": 1}}',
        "SerializationException", "NUMBER_VALUE can not be converted to a String", ATHENA,
    ),
    "an unknown operation": Malformed(
        f"{IDP}.StealEverything", "{}", "UnknownOperationException", "", "the JSON front end: 400, no message"
    ),
    "an AuthFlow outside the enum": Malformed(
        f"{IDP}.InitiateAuth", '{"AuthFlow": "MAGIC", "ClientId": "a"}', "InvalidParameterException",
        "1 validation error detected: Value 'MAGIC' at 'authFlow' failed to satisfy constraint: Member must "
        "satisfy enum value set: [", "rosberglinhares/CloudFormationCognitoCustomResources #1",
    ),
    "RevokeToken without Token": Malformed(
        f"{IDP}.RevokeToken", '{"ClientId": "abc"}', "InvalidParameterException",
        "1 validation error detected: Value at 'token' failed to satisfy constraint: Member must not be null",
        "amazon-cognito-identity-js #388: a sensitive member's value is never shown",
    ),
    "an identity pool id that is not one": Malformed(
        "AWSCognitoIdentityService.GetId", '{"IdentityPoolId": "bad"}', "ValidationException",
        "1 validation error detected: Value 'bad' at 'identityPoolId' failed to satisfy constraint: Member must "
        "satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+", "moto #1979, amplify-swift #2864",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_request_gets_the_front_doors_answer_and_no_traceback(
    hostile: Hostile, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    target, body, code, message, seen = MALFORMED[case]

    with caplog.at_level(logging.ERROR, logger="groupgate.local"):
        answer = hostile.post(target, body)

    status, found, text = error_of(answer)
    assert (status, found) == (400, code), seen
    assert text.startswith(message) if message else text == "", seen
    assert answer.headers["x-amzn-ErrorType"] == code
    assert caplog.records == []


def test_every_violation_is_listed_in_one_answer_and_sensitive_values_are_not_shown(hostile: Hostile) -> None:
    body = sign_up_body(
        hostile, "has space", Password=" leading", UserAttributes=[{"Name": "email", "Value": "x" * 5000}]
    )

    status, code, message = error_of(hostile.post(f"{IDP}.SignUp", json.dumps(body)))

    assert (status, code) == (400, "InvalidParameterException")
    assert message == (
        "3 validation errors detected: "
        "Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: "
        "[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+; "
        "Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: "
        "^[\\S]+.*[\\S]+$; "
        "Value at 'userAttributes.1.member.value' failed to satisfy constraint: Member must have length less "
        "than or equal to 2048"
    )
    assert " leading" not in message
    assert hostile.idp.list_users(UserPoolId=hostile.pool, Filter='username = "has space"')["Users"] == []


# ---------------------------------------------------------------- what sign-up may write
class Refused(NamedTuple):
    change: dict[str, Any]  # to the sign-up's members
    error: str
    message: str  # how AWS's message begins
    seen: str


def attributes(*extra: tuple[str, str]) -> dict[str, Any]:
    return {
        "UserAttributes": [{"Name": "email", "Value": "a@example.com"}, *({"Name": n, "Value": v} for n, v in extra)]
    }


SIGN_UPS = {
    "no email, which the schema requires": Refused(
        {"UserAttributes": []}, "InvalidParameterException", SCHEMA + "email: The attribute is required",
        "amplify-js #935",
    ),
    "an email that is not one": Refused(
        {"UserAttributes": [{"Name": "email", "Value": "not-an-email"}]}, "InvalidParameterException",
        "Invalid email address format.", "seen in Cognito's answers to SignUp and UpdateUserAttributes",
    ),
    "an undeclared custom attribute": Refused(
        attributes(("custom:role", "admin")), "InvalidParameterException",
        SCHEMA + "Type for attribute {custom:role} could not be determined", "seen in Cognito's answers, 2023-25",
    ),
    "an attribute the schema lacks": Refused(
        attributes(("favourite", "x")), "InvalidParameterException",
        SCHEMA + "favourite: Attribute does not exist in the schema.", "amplify-js #2167",
    ),
    "email_verified, which only an administrator sets": Refused(
        attributes(("email_verified", "true")), "NotAuthorizedException",
        "A client attempted to write unauthorized attribute", "aws-sdk-js #3603",
    ),
    "an empty user name": Refused(
        {"Username": ""}, "InvalidParameterException",
        "2 validation errors detected: Value at 'username' failed to satisfy constraint: Member must have length "
        "greater than or equal to 1", "the model's UsernameType (min 1, a pattern)",
    ),
    "a user name with a newline": Refused(
        {"Username": "a\nb"}, "InvalidParameterException",
        "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern", "boto3 #3581",
    ),
    "a user name of 200 characters": Refused(
        {"Username": "u" * 200}, "InvalidParameterException",
        "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must have length "
        "less than or equal to 128", "the model's UsernameType (max 128)",
    ),
    "a password that ends with a space": Refused(
        {"Password": PASSWORD + " "}, "InvalidParameterException",
        "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern: ^[\\S]+.*[\\S]+$", "the service's own pattern, seen in its answers",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(SIGN_UPS))
def test_a_sign_up_cognito_refuses_is_refused_and_stores_nothing(hostile: Hostile, case: str) -> None:
    change, code, message, seen = SIGN_UPS[case]
    body = sign_up_body(hostile, hostile.name("refused"), **change)

    status, found, text = error_of(hostile.post(f"{IDP}.SignUp", json.dumps(body)))

    assert (status, found) == (400, code), seen
    assert text.startswith(message), seen
    if body["Username"] and "\n" not in body["Username"] and len(body["Username"]) <= 128:
        assert not exists(hostile, body["Username"])


def test_a_refused_sign_up_can_be_tried_again(hostile: Hostile) -> None:
    name = hostile.name("again")
    first = refusal(
        hostile.idp.sign_up, ClientId=hostile.client, Username=name, Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "not-an-email"}],
    )  # fmt: skip

    hostile.idp.sign_up(
        ClientId=hostile.client, Username=name, Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}],
    )  # fmt: skip

    assert first == ("InvalidParameterException", "Invalid email address format.")
    assert hostile.status(name) == "UNCONFIRMED"


@pytest.mark.parametrize(
    "metadata", [["not", "a", "map"], {"key": 5}, "text"], ids=["a list", "a number value", "text"]
)
def test_a_confirmation_with_malformed_client_metadata_changes_nothing(hostile: Hostile, metadata: Any) -> None:
    name = hostile.signed_up("metadata")
    body = {
        "ClientId": hostile.client,
        "Username": name,
        "ConfirmationCode": hostile.code(name),
        "ClientMetadata": metadata,
    }

    status, code, _ = error_of(hostile.post(f"{IDP}.ConfirmSignUp", json.dumps(body)))
    hostile.idp.confirm_sign_up(ClientId=hostile.client, Username=name, ConfirmationCode=hostile.code(name))

    assert (status, code) == (400, "SerializationException")
    groups = hostile.idp.admin_list_groups_for_user(UserPoolId=hostile.pool, Username=name)["Groups"]
    assert [g["GroupName"] for g in groups] == [hostile.outputs["GroupName"]]  # the trigger ran, once confirmed


def test_a_client_cannot_update_attributes_it_may_not_write(hostile: Hostile) -> None:
    tokens = hostile.tokens(hostile.member("updater"))

    found = refusal(
        hostile.idp.update_user_attributes, AccessToken=tokens["AccessToken"],
        UserAttributes=[{"Name": "email_verified", "Value": "true"}],
    )  # fmt: skip
    bad = refusal(
        hostile.idp.update_user_attributes, AccessToken=tokens["AccessToken"],
        UserAttributes=[{"Name": "email", "Value": "nowhere"}],
    )  # fmt: skip

    assert found == ("NotAuthorizedException", "A client attempted to write unauthorized attribute")
    assert bad == ("InvalidParameterException", "Invalid email address format.")


# ---------------------------------------------------------------- flows the app client allows
def test_flows_the_app_client_does_not_allow_are_refused_with_cognitos_words(hostile: Hostile) -> None:
    admin_only = hostile.idp.create_user_pool_client(
        UserPoolId=hostile.pool, ClientName="admin-only", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    name = hostile.member("flows")

    srp = refusal(hostile.idp.initiate_auth, ClientId=admin_only, AuthFlow="USER_SRP_AUTH",
                  AuthParameters={"USERNAME": name, "SRP_A": "1234"})  # fmt: skip
    password = refusal(hostile.idp.initiate_auth, ClientId=hostile.client, AuthFlow="USER_PASSWORD_AUTH",
                       AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})  # fmt: skip
    custom = refusal(hostile.idp.initiate_auth, ClientId=hostile.client, AuthFlow="CUSTOM_AUTH",
                     AuthParameters={"USERNAME": name})  # fmt: skip
    admin_flow = refusal(hostile.idp.initiate_auth, ClientId=hostile.client, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                         AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})  # fmt: skip

    assert srp == ("InvalidParameterException", "USER_SRP_AUTH is not enabled for the client.")
    assert password == ("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client")
    assert custom == ("InvalidParameterException", "Custom auth lambda trigger is not configured for the user pool.")
    assert admin_flow == ("InvalidParameterException", "Initiate Auth method not supported.")


# ---------------------------------------------------------------- legal input that used to crash
def test_a_password_with_characters_outside_ascii_is_just_a_wrong_password(hostile: Hostile) -> None:
    name = hostile.member("unicode")

    assert refusal(hostile.password_sign_in, name=name, password="Pässwörd-ünïcødé-1") == (
        "NotAuthorizedException", "Incorrect username or password.",
    )  # fmt: skip


def test_a_password_claim_signature_outside_ascii_is_just_a_wrong_password(hostile: Hostile) -> None:
    responses = {**hostile.srp_answer(hostile.member("unicode-srp")), "PASSWORD_CLAIM_SIGNATURE": "sïgnätürë"}

    found = refusal(
        hostile.idp.respond_to_auth_challenge, ClientId=hostile.client, ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=responses,
    )  # fmt: skip

    assert found == ("NotAuthorizedException", "Incorrect username or password.")


# ---------------------------------------------------------------- nothing half-written
def test_a_failure_midway_through_sign_up_answers_500_and_stores_no_user(
    hostile: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = hostile.name("midway")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the mail server fell over")

    with monkeypatch.context() as patched:
        patched.setattr(hostile.cloud.user_pools.codes, "send", broken)  # after moto has stored the user
        answer = hostile.post(f"{IDP}.SignUp", json.dumps(sign_up_body(hostile, name)))
    exists_after = exists(hostile, name)
    hostile.idp.sign_up(**sign_up_body(hostile, name))  # the same sign-up, once the fault is gone

    assert error_of(answer) == (500, "InternalErrorException", "Internal server error.")
    assert not exists_after
    assert hostile.status(name) == "UNCONFIRMED"


def test_a_failure_inside_moto_is_undone_too(hostile: Hostile, monkeypatch: pytest.MonkeyPatch) -> None:
    name = hostile.member("half")
    hostile.idp.admin_remove_user_from_group(
        UserPoolId=hostile.pool, Username=name, GroupName=hostile.outputs["GroupName"]
    )
    original = CognitoIdpBackend.admin_add_user_to_group

    def half_then_fail(self: CognitoIdpBackend, *args: Any) -> None:
        original(self, *args)
        raise RuntimeError("after the write")

    monkeypatch.setattr(CognitoIdpBackend, "admin_add_user_to_group", half_then_fail)
    answer = hostile.post(
        f"{IDP}.AdminAddUserToGroup",
        json.dumps({"UserPoolId": hostile.pool, "Username": name, "GroupName": hostile.outputs["GroupName"]}),
    )
    monkeypatch.undo()

    assert error_of(answer) == (500, "InternalErrorException", "Internal server error.")
    assert hostile.idp.admin_list_groups_for_user(UserPoolId=hostile.pool, Username=name)["Groups"] == []
