"""Rule: Cognito's lockout for wrong passwords (Cognito developer guide, "Lockout behavior for failed sign-in
attempts": five failures, then 2^(n-5) seconds up to about 15 minutes; "Password attempts exceeded"), and a
limit on wrong confirmation and reset codes (LimitExceededException "Attempt limit exceeded, please try after
some time.", amplify-js #8013; the count is not documented: five an hour, chosen). The clock is moved, not
waited for."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from support.hostile import PASSWORD, Hostile, refusal
from support.local_cloud import Clock

EXCEEDED = ("NotAuthorizedException", "Password attempts exceeded")
INCORRECT = ("NotAuthorizedException", "Incorrect username or password.")
LIMIT = ("LimitExceededException", "Attempt limit exceeded, please try after some time.")
MISMATCH = ("CodeMismatchException", "Invalid verification code provided, please try again.")


def wrong(hostile: Hostile, name: str, times: int) -> None:
    for _ in range(times):
        assert refusal(hostile.password_sign_in, name=name, password="Wrong-Password-0!") == INCORRECT


def ways_to_try(hostile: Hostile) -> dict[str, Callable[[str, str], object]]:
    return {"ADMIN_USER_PASSWORD_AUTH": hostile.password_sign_in, "USER_SRP_AUTH": hostile.srp_sign_in}


@pytest.mark.parametrize("way", ["ADMIN_USER_PASSWORD_AUTH", "USER_SRP_AUTH"])
def test_five_wrong_passwords_lock_the_user_out_for_a_second(hostile: Hostile, later: Clock, way: str) -> None:
    name = hostile.member("guessed")
    sign_in = ways_to_try(hostile)[way]
    for _ in range(5):
        assert refusal(lambda: sign_in(name, "Wrong-Password-0!")) == INCORRECT

    locked = refusal(lambda: sign_in(name, PASSWORD))  # the right password, during the lockout
    later.advance(1.01)

    assert locked == EXCEEDED
    assert sign_in(name, PASSWORD)  # after it


def test_each_further_failure_doubles_the_lockout(hostile: Hostile, later: Clock) -> None:
    name = hostile.member("doubled")
    wrong(hostile, name, 5)
    later.advance(1.01)
    wrong(hostile, name, 1)  # the sixth: 2 s
    later.advance(1.01)
    wrong_during = refusal(hostile.password_sign_in, name=name, password="Wrong-Password-0!")
    later.advance(1.0)

    assert wrong_during == EXCEEDED  # and it does not count, so the lockout stays 2 s
    assert hostile.password_sign_in(name)["AuthenticationResult"]


def test_the_lockout_stops_at_about_fifteen_minutes(hostile: Hostile, later: Clock) -> None:
    name = hostile.member("persistent")
    for count in range(1, 15):  # fourteen failures, each lockout waited out (the longest 2^9 s)
        wrong(hostile, name, 1)
        if count >= 5:
            later.advance(2 ** (count - 5) + 0.01)
    wrong(hostile, name, 1)  # the fifteenth: 2^10 s would be 17 minutes
    later.advance(899)
    during = refusal(hostile.password_sign_in, name=name, password=PASSWORD)  # an attempt: no 15 quiet minutes
    later.advance(1.01)

    assert during == EXCEEDED
    assert hostile.password_sign_in(name)["AuthenticationResult"]


def test_a_success_after_the_lockout_starts_the_count_again(hostile: Hostile, later: Clock) -> None:
    name = hostile.member("forgiven")
    wrong(hostile, name, 5)
    later.advance(1.01)
    hostile.password_sign_in(name)

    wrong(hostile, name, 4)  # four more: below the five that lock

    assert hostile.password_sign_in(name)["AuthenticationResult"]


def test_fifteen_quiet_minutes_start_the_count_again(hostile: Hostile, later: Clock) -> None:
    name = hostile.member("patient")
    wrong(hostile, name, 4)
    later.advance(15 * 60)

    wrong(hostile, name, 4)

    assert hostile.password_sign_in(name)["AuthenticationResult"]


def test_one_users_lockout_is_not_anothers(hostile: Hostile) -> None:
    locked, other = hostile.member("locked"), hostile.member("other")
    wrong(hostile, locked, 5)

    assert hostile.password_sign_in(other)["AuthenticationResult"]


def test_wrong_confirmation_codes_are_limited_even_for_the_right_code(hostile: Hostile, later: Clock) -> None:
    name = hostile.signed_up("brute")
    code = hostile.code(name)
    for _ in range(5):
        found = refusal(hostile.idp.confirm_sign_up, ClientId=hostile.client, Username=name, ConfirmationCode="000000")
        assert found == MISMATCH
    limited = refusal(hostile.idp.confirm_sign_up, ClientId=hostile.client, Username=name, ConfirmationCode=code)
    hostile.idp.resend_confirmation_code(ClientId=hostile.client, Username=name)  # a new code does not reset it
    still = refusal(
        hostile.idp.confirm_sign_up, ClientId=hostile.client, Username=name, ConfirmationCode=hostile.code(name)
    )
    later.advance(3600)

    hostile.idp.confirm_sign_up(ClientId=hostile.client, Username=name, ConfirmationCode=hostile.code(name))

    assert limited == LIMIT
    assert still == LIMIT
    assert hostile.status(name) == "CONFIRMED"


def test_wrong_reset_codes_are_limited_too(hostile: Hostile) -> None:
    name = hostile.member("reset")
    hostile.idp.forgot_password(ClientId=hostile.client, Username=name)
    code = hostile.code(name)
    for _ in range(5):
        found = refusal(
            hostile.idp.confirm_forgot_password, ClientId=hostile.client, Username=name, ConfirmationCode="000000",
            Password="Another-Pass-3!",
        )  # fmt: skip
        assert found == MISMATCH

    limited = refusal(
        hostile.idp.confirm_forgot_password, ClientId=hostile.client, Username=name, ConfirmationCode=code,
        Password="Another-Pass-3!",
    )  # fmt: skip

    assert limited == LIMIT
    assert hostile.password_sign_in(name)["AuthenticationResult"]  # the old password still stands
