"""The ``groupgate`` command through ``main(argv)``: what it prints and the exit code it gives."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support.api_server import SigV4Api
from support.aws_server import CountingMotoServer, ScriptedAws

from client.conftest import PASSWORD, Stack
from groupgate.cli import main
from groupgate.errors import ExitCode


@dataclass
class Run:
    code: int
    out: str
    err: str


class Cli:
    def __init__(self, stack: Stack, cache_dir: Path) -> None:
        self.stack = stack
        self.environ = {"GROUPGATE_CACHE_DIR": str(cache_dir), "PATH": os.environ.get("PATH", "")}

    def __call__(self, *argv: str, stdin: str = "", env: dict[str, str] | None = None) -> Run:
        out, err = io.StringIO(), io.StringIO()
        code = main(
            list(argv), stdin=io.StringIO(stdin), stdout=out, stderr=err, environ={**self.environ, **(env or {})}
        )
        return Run(code, out.getvalue(), err.getvalue())

    def with_stack(self, *argv: str, **kwargs: str | dict[str, str]) -> Run:
        return self("--outputs", str(self.stack.outputs_file), *argv, **kwargs)  # type: ignore[arg-type]

    def logged_in(self, username: str = "alice") -> None:
        self.stack.confirmed_user(username)
        result = self.with_stack("login", username, env={"GROUPGATE_PASSWORD": PASSWORD})
        assert result.code == ExitCode.OK, result.err


@pytest.fixture
def cli(stack: Stack, cache_dir: Path) -> Cli:
    return Cli(stack, cache_dir)


def test_help_documents_every_command(cli: Cli) -> None:
    result = cli("--help")

    assert result.code == 0
    for command in ("signup", "confirm", "resend", "login", "whoami", "call", "logout"):
        assert command in result.out
        assert cli(command, "--help").code == 0
    assert "exit codes" in result.out


def test_the_whole_path_signup_confirm_login_call(cli: Cli, stack: Stack) -> None:
    signup = cli.with_stack(
        "signup", "carol", "--email", "carol@example.com", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert (signup.code, signup.err) == (0, "")
    assert "next: groupgate confirm carol CODE" in signup.out

    confirm = cli.with_stack("confirm", "carol", "123456")
    assert confirm.code == 0
    # moto has no Lambda triggers: the post-confirmation function's work is done by hand here
    stack.admin.admin_add_user_to_group(UserPoolId=stack.outputs["UserPoolId"], Username="carol", GroupName="exgroup")

    login = cli.with_stack("login", "carol", "--password-stdin", stdin=PASSWORD + "\n")
    assert login.code == 0, login.err
    assert login.out.startswith("logged in as carol; identity us-east-1:")

    call = cli.with_stack("call", "GET", "/")
    assert call.code == 0, call.err
    assert call.out.splitlines()[0] == "HTTP 200 OK"
    assert json.loads("\n".join(call.out.splitlines()[1:])) == {"message": "hello!"}


def test_options_work_after_the_command_name(cli: Cli) -> None:
    cli.logged_in()

    result = cli("call", "GET", "/", "--outputs", str(cli.stack.outputs_file), "--json")

    assert result.code == 0
    assert json.loads(result.out)["body"] == {"message": "hello!"}
    assert json.loads(result.out)["status"] == 200


def test_whoami_shows_identity_groups_role_and_expiry(cli: Cli) -> None:
    cli.logged_in()

    result = cli.with_stack("whoami", "--json")

    assert result.code == 0
    info = json.loads(result.out)
    assert info["user"] == "alice"
    assert info["groups"] == ["exgroup"]
    assert info["identity_id"].startswith("us-east-1:")
    assert info["role"].startswith("arn:aws:")  # what STS says (moto's STS knows no Cognito roles: noted)
    assert info["credentials_expire"].endswith("Z")


def test_a_403_from_the_api_is_not_allowed_with_its_message(cli: Cli, stack: Stack) -> None:
    cli.logged_in()
    with SigV4Api(allow=False) as denying:
        result = cli.with_stack("call", "GET", "/", "--api-url", denying.url)

    assert result.code == ExitCode.NOT_ALLOWED
    assert "HTTP 403" in result.out
    assert result.err.startswith("groupgate: not allowed: the API refused the call: User: arn:aws:sts::")
    assert result.err.endswith(" (GET /)\n")
    assert result.err.count("\n") == 1


def test_an_unknown_path_says_what_missing_authentication_token_means(cli: Cli) -> None:
    cli.logged_in()

    result = cli.with_stack("call", "GET", "/nothing-here")

    assert result.code == ExitCode.HTTP_ERROR
    assert result.err == (
        "groupgate: the API has no such path or method (Missing Authentication Token) (GET /nothing-here)\n"
    )


def test_another_http_error_has_its_own_exit_code(cli: Cli) -> None:
    cli.logged_in()

    result = cli.with_stack("call", "GET", "/broken")

    assert result.code == ExitCode.HTTP_ERROR
    assert result.err == "groupgate: the API answered 502: Internal server error (GET /broken)\n"


def test_a_user_outside_the_group_is_told_so_by_the_identity_pool_refusal(
    cli: Cli, stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # moto has no role mapping; a listener plays the identity pool's refusal under AmbiguousRoleResolution Deny
    provider = f"cognito-idp.us-east-1.amazonaws.com/{stack.outputs['UserPoolId']}:{stack.outputs['UserPoolClientId']}"
    refusal = {
        "__type": "NotAuthorizedException",
        "message": f"The ambiguous role mapping rules for: {provider} denied this request.",
    }
    stack.confirmed_user("dave", group=False)
    answers = {"GetId": (200, {"IdentityId": "us-east-1:1234"}), "GetCredentialsForIdentity": (400, refusal)}
    with ScriptedAws(answers) as pool:
        monkeypatch.setenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY", pool.url)  # the standard variable wins over Endpoint
        result = cli.with_stack("login", "dave", env={"GROUPGATE_PASSWORD": PASSWORD})

    assert pool.calls == ["GetId", "GetCredentialsForIdentity"]
    assert result.code == ExitCode.NOT_ALLOWED
    assert result.err.startswith("groupgate: signed in as dave, but the identity pool gives this user no role")
    assert "The ambiguous role mapping rules for:" in result.err


def test_guests_not_allowed_has_its_own_exit_code(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    refusal = {
        "__type": "NotAuthorizedException",
        "message": "Unauthenticated access is not supported for this identity pool.",
    }
    with ScriptedAws({"GetId": (400, refusal)}) as pool:
        monkeypatch.setenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY", pool.url)
        result = cli.with_stack("call", "GET", "/", "--guest")

    assert result.code == ExitCode.GUESTS_NOT_ALLOWED
    assert "does not let guests in" in result.err


@pytest.mark.parametrize(
    ("argv", "env", "code", "message"),
    [
        (["login", "nobody"], {"GROUPGATE_PASSWORD": PASSWORD}, ExitCode.WRONG_PASSWORD, "sign-in refused"),
        (["signup", "eve", "--email", "eve@example.com"], {"GROUPGATE_PASSWORD": "short"}, ExitCode.WEAK_PASSWORD,
         "the user pool refused the password"),
        (["call", "GET", "/"], {}, ExitCode.SESSION_EXPIRED, "not logged in: `groupgate login USER` first"),
        (["login", "alice"], {}, ExitCode.ERROR, "no password: type it at the prompt"),
        (["call", "GET", "/", "--data", "{not json"], {}, ExitCode.ERROR, "--data is not JSON"),
        (["call", "GET", "/", "-H", "no colon"], {}, ExitCode.ERROR, "write a header as 'Name: value'"),
    ],
)  # fmt: skip
def test_each_failure_is_one_line_with_its_exit_code(
    cli: Cli, argv: list[str], env: dict[str, str], code: int, message: str
) -> None:
    result = cli.with_stack(*argv, env=env)

    assert result.code == code
    assert message in result.err
    assert result.err.count("\n") == 1
    assert "Traceback" not in result.err


def test_an_unconfirmed_user_is_told_to_confirm(cli: Cli, stack: Stack) -> None:
    cli.with_stack("signup", "bob", "--email", "bob@example.com", env={"GROUPGATE_PASSWORD": PASSWORD})

    result = cli.with_stack("login", "bob", env={"GROUPGATE_PASSWORD": PASSWORD})

    assert result.code == ExitCode.NOT_CONFIRMED
    assert "groupgate confirm bob CODE" in result.err


def test_new_password_required_can_be_answered_from_stdin(cli: Cli, stack: Stack) -> None:
    stack.admin.admin_create_user(
        UserPoolId=stack.outputs["UserPoolId"], Username="exuser", TemporaryPassword="Temporary-Pass-1",
        MessageAction="SUPPRESS",
    )  # fmt: skip
    stack.admin.admin_add_user_to_group(UserPoolId=stack.outputs["UserPoolId"], Username="exuser", GroupName="exgroup")

    without = cli.with_stack("login", "exuser", "--password-stdin", stdin="Temporary-Pass-1\n")
    answered = cli.with_stack(
        "login", "exuser", "--password-stdin", "--new-password-stdin", stdin="Temporary-Pass-1\nBrand-New-Pass-2\n"
    )

    assert without.code == ExitCode.NEW_PASSWORD_REQUIRED
    assert answered.code == ExitCode.OK, answered.err


def test_no_configuration_names_what_is_missing(cache_dir: Path) -> None:
    err = io.StringIO()
    code = main(
        ["call", "GET", "/"],
        stdin=io.StringIO(),
        stdout=io.StringIO(),
        stderr=err,
        environ={"GROUPGATE_CACHE_DIR": str(cache_dir)},
    )

    assert code == ExitCode.CONFIGURATION
    assert "--stack-name STACK or --outputs FILE" in err.getvalue()


def test_an_unreachable_endpoint_has_its_own_exit_code(cli: Cli, stack: Stack, tmp_path: Path) -> None:
    dead = {**stack.outputs, "Endpoint": "http://127.0.0.1:9"}
    path = tmp_path / "dead.json"
    path.write_text(json.dumps(dead))

    result = cli("--outputs", str(path), "login", "alice", env={"GROUPGATE_PASSWORD": PASSWORD})

    assert result.code == ExitCode.UNREACHABLE
    assert "did not answer" in result.err


def test_debug_shows_the_error_underneath(cli: Cli) -> None:
    result = cli.with_stack("--debug", "login", "nobody", env={"GROUPGATE_PASSWORD": PASSWORD})

    assert result.code == ExitCode.WRONG_PASSWORD
    assert "Traceback" in result.err


def test_logout_forgets_and_says_when_it_could_not_revoke(cli: Cli, cache_dir: Path) -> None:
    cli.logged_in()

    result = cli.with_stack("logout")

    assert result.code == 0
    assert result.out.splitlines()[0].startswith("note: AWS credentials already issued stay valid until ")
    assert result.out.splitlines()[1] == "logged out alice"
    assert "could not revoke" in result.err  # moto has no RevokeToken (noted for the local cloud)
    assert cli.with_stack("call", "GET", "/").code == ExitCode.SESSION_EXPIRED


def test_a_warm_call_from_a_new_process_costs_one_request(
    cli: Cli, stack: Stack, aws: CountingMotoServer, api: SigV4Api, cache_dir: Path
) -> None:
    # GIVEN a cached session (login in this process)
    cli.logged_in()
    aws.reset_calls()
    before = len(api.seen)

    # WHEN another process calls the API through the installed console script
    script = Path(sys.executable).parent / "groupgate"
    completed = subprocess.run(
        [str(script), "--outputs", str(stack.outputs_file), "call", "GET", "/"],
        env={**os.environ, "GROUPGATE_CACHE_DIR": str(cache_dir)},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    # THEN it made one request in all: the API call, and nothing to Cognito or STS
    assert completed.returncode == 0, completed.stderr
    assert aws.calls == []
    assert len(api.seen) == before + 1


def test_a_post_with_a_body_from_a_file_and_headers_arrives_signed(cli: Cli, tmp_path: Path) -> None:
    cli.logged_in()
    body = tmp_path / "body.json"
    body.write_text('{"greeting": "hi"}')

    result = cli.with_stack("call", "POST", "/echo", "--data", f"@{body}", "-H", "X-Trace: abc", "--json")

    assert result.code == 0, result.err
    echoed = json.loads(result.out)["body"]
    assert echoed["body"] == {"greeting": "hi"}
    assert echoed["headers"]["x-trace"] == "abc"
    assert echoed["headers"]["content-type"] == "application/json"


def test_a_server_error_is_one_line(cli: Cli, stack: Stack) -> None:
    # moto has no ResendConfirmationCode and answers 500 with a page of HTML (the local cloud answers it)
    cli.with_stack("signup", "bob", "--email", "bob@example.com", env={"GROUPGATE_PASSWORD": PASSWORD})

    result = cli.with_stack("resend", "bob")

    assert result.code == ExitCode.ERROR
    assert result.err == "groupgate: Cognito failed to answer (HTTP 500); try again, or --debug for more\n"


@pytest.mark.parametrize(
    ("listener", "message"),
    [
        (lambda: SigV4Api(expired=True), "The security token included in the request is expired"),
        (lambda: SigV4Api(known_key="ASIAOTHER"), "The security token included in the request is invalid."),
    ],
    ids=["expired token", "unknown key"],
)
def test_credentials_the_api_does_not_accept_ask_to_log_in_again(
    cli: Cli, listener: Callable[[], SigV4Api], message: str
) -> None:
    cli.logged_in()
    with listener() as api:
        result = cli.with_stack("call", "GET", "/", "--api-url", api.url)

    assert result.code == ExitCode.SESSION_EXPIRED
    assert message in result.err
    assert "log in again" in result.err


def test_a_signature_mismatch_is_one_line_and_the_token_is_not_shown(cli: Cli) -> None:
    cli.logged_in()
    with SigV4Api(secret_key="not-the-secret") as api:
        result = cli.with_stack("call", "GET", "/", "--api-url", api.url)

    assert result.code == ExitCode.ERROR
    assert result.err.count("\n") == 1
    assert "the API refused the signature" in result.err
    assert "ABC12345" not in result.out + result.err  # the session token API Gateway quotes back


def test_debug_never_prints_the_password_or_tokens(stack: Stack, cache_dir: Path) -> None:
    script = Path(sys.executable).parent / "groupgate"
    stack.confirmed_user("alice")

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(script), "--debug", "--outputs", str(stack.outputs_file), *argv, "--password-stdin"],
            input=PASSWORD + "\n", env={**os.environ, "GROUPGATE_CACHE_DIR": str(cache_dir)},
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    signup = run("signup", "zed", "--email", "zed@example.com")
    login = run("login", "alice")

    assert (signup.returncode, login.returncode) == (0, 0), signup.stderr + login.stderr
    for output in (signup.stdout + signup.stderr, login.stdout + login.stderr):
        assert PASSWORD not in output
        assert "eyJ" not in output  # no JWT
        assert "ABCSECRETKEY" not in output


# ---------------------------------------------------------------- what a warm call loads, and the promised exit codes
HEAVY = ("boto3", "botocore", "pycognito", "jwt", "cryptography", "groupgate.local", "groupgate.userpool",
         "groupgate.identitypool", "groupgate.aws")  # fmt: skip


def imported_by(argv: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """The console script run in a new process under ``python -X importtime``: what it did, and every module it
    imported (the names importtime lists)."""
    script = Path(sys.executable).parent / "groupgate"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", str(script), *argv], env={**os.environ, **env},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    names = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    return done, names - {"imported package"}


@pytest.mark.parametrize("argv", [["call", "GET", "/"], ["whoami"]], ids=["call", "whoami"])
def test_a_warm_command_imports_nothing_a_signed_request_with_cached_credentials_does_not_need(
    cli: Cli, stack: Stack, cache_dir: Path, argv: list[str]
) -> None:
    cli.logged_in()

    done, modules = imported_by(["--outputs", str(stack.outputs_file), *argv], {"GROUPGATE_CACHE_DIR": str(cache_dir)})

    assert done.returncode == 0, done.stderr[-2000:]
    assert {"requests", "requests_aws4auth", "groupgate.cache"} <= modules
    assert sorted(m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY)) == []


def test_the_import_check_sees_what_a_sign_in_imports(cli: Cli, stack: Stack, cache_dir: Path) -> None:
    stack.confirmed_user("carol")

    done, modules = imported_by(["--outputs", str(stack.outputs_file), "login", "carol"],
                                {"GROUPGATE_CACHE_DIR": str(cache_dir), "GROUPGATE_PASSWORD": PASSWORD})  # fmt: skip

    assert done.returncode == 0, done.stderr[-2000:]
    assert {"boto3", "pycognito", "groupgate.userpool"} <= modules


@pytest.mark.parametrize(
    ("key", "value"),
    [("Endpoint", "not a url"), ("Endpoint", "ftp://127.0.0.1:21"), ("ApiUrl", "localhost:8080/stage1/"),
     ("ApiUrl", "http://127.0.0.1:port/")],
)  # fmt: skip
def test_an_outputs_file_whose_url_is_not_one_is_a_configuration_error(
    cli: Cli, stack: Stack, tmp_path: Path, key: str, value: str
) -> None:
    outputs = tmp_path / "bad-outputs.json"
    outputs.write_text(json.dumps({**stack.outputs, key: value}))

    result = cli("--outputs", str(outputs), "call", "GET", "/")

    assert result.code == ExitCode.CONFIGURATION
    assert result.err.strip() == f"groupgate: --outputs {outputs}: {key} is {value!r}, not an http(s) URL"


def session_file(cache_dir: Path) -> Path:
    [found] = cache_dir.glob("*/user-*.json")
    return found


@pytest.mark.parametrize(
    "damage",
    [
        lambda s: s["credentials"].update(expires_at="soon"),
        lambda s: s.update(refresh_token=None),
        lambda s: s.update(tokens_expire_at=float("nan")),
        lambda s: s["credentials"].update(expires_at=True),
        lambda s: s.pop("id_token"),
        lambda s: s.update(login_names="alice"),
        lambda s: s.update(credentials=[]),
    ],
    ids=["expires-at-text", "refresh-token-null", "nan", "bool", "no-id-token", "names-not-a-list", "credentials-list"],
)
def test_a_damaged_cached_session_is_no_session(
    cli: Cli, cache_dir: Path, damage: Callable[[dict[str, Any]], None]
) -> None:
    cli.logged_in()
    path = session_file(cache_dir)
    cached = json.loads(path.read_text())
    damage(cached)
    path.write_text(json.dumps(cached))

    result = cli.with_stack("call", "GET", "/")

    assert result.code == ExitCode.SESSION_EXPIRED
    assert result.err.strip() == "groupgate: alice is not logged in: `groupgate login alice` first"


@pytest.mark.parametrize("mode", [0o666, 0o644, 0o620])
def test_a_session_file_others_can_read_or_write_is_refused_and_removed(cli: Cli, cache_dir: Path, mode: int) -> None:
    cli.logged_in()
    path = session_file(cache_dir)
    path.chmod(mode)

    result = cli.with_stack("call", "GET", "/")

    assert result.code == ExitCode.SESSION_EXPIRED
    assert result.err == (
        f"groupgate: {path} could be read or changed by other users (mode {mode:04o}), so it was removed: log in "
        "again\n"
    )
    assert not path.exists()
    again = cli.with_stack("login", "alice", env={"GROUPGATE_PASSWORD": PASSWORD})
    assert again.code == ExitCode.OK, again.err
    assert session_file(cache_dir).stat().st_mode & 0o777 == 0o600


def test_the_console_script_prints_everything_and_keeps_the_exit_code(stack: Stack, tmp_path: Path) -> None:
    """The script ends its process without Python's teardown: what it printed must all be out, and its code kept."""
    script = Path(sys.executable).parent / "groupgate"
    env = {**os.environ, "GROUPGATE_CACHE_DIR": str(tmp_path / "empty-cache")}

    done = subprocess.run([str(script), "--outputs", str(stack.outputs_file), "call", "GET", "/"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    helped = subprocess.run([str(script), "--help"], env=env, capture_output=True, text=True, timeout=60, check=False)

    assert (done.returncode, done.stdout) == (ExitCode.SESSION_EXPIRED, "")
    assert done.stderr == "groupgate: not logged in: `groupgate login USER` first\n"
    assert helped.returncode == 0
    assert helped.stdout.rstrip().endswith("groupgate --stack-name groupgate call GET /")
