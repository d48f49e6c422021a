"""The ``groupgate`` command: sign up, confirm, log in, and call an IAM-authorized API, signed."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import requests

from groupgate import settings
from groupgate.cache import SessionCache, default_root
from groupgate.errors import ExitCode, GroupgateError, NotAllowed, Unreachable
from groupgate.session import Session

PROG = "groupgate"
DESCRIPTION = """\
Sign in to a Cognito user pool with SRP, trade the ID token for identity-pool credentials, and call an
API Gateway API with AWS_IAM authorization, signed with SigV4. Sessions are cached (0600) in the user's
cache directory, and credentials renew themselves, so a `call` after `login` costs one request.

where the stack is, highest precedence first:
  options (--api-url, --region, --user-pool-id, --client-id, --identity-pool-id)
  --stack-name STACK       the deployed stack's Outputs, read with CloudFormation (AWS credentials needed)
  --outputs FILE           a JSON object of the same Outputs (the local cloud writes .local/outputs.json)
  GROUPGATE_API_URL, GROUPGATE_REGION, GROUPGATE_USER_POOL_ID, GROUPGATE_USER_POOL_CLIENT_ID,
  GROUPGATE_IDENTITY_POOL_ID, GROUPGATE_ENDPOINT   environment variables
AWS endpoints follow AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>; an outputs file's Endpoint is used
for every AWS API unless one of those is set.
"""
EPILOG = """\
passwords: typed at a hidden prompt, or read from --password-stdin / GROUPGATE_PASSWORD (and
--new-password-stdin / GROUPGATE_NEW_PASSWORD); --password VALUE only if you ask for it explicitly.
They are never logged or cached.

exit codes: 0 ok, 1 other error, 2 usage, 3 configuration, 4 wrong user name or password,
5 sign-up not confirmed, 6 new password required, 7 password too weak, 8 signed in but not allowed,
9 guests not allowed, 10 session expired or not logged in, 11 endpoint unreachable, 12 HTTP error.

example:
  groupgate --stack-name groupgate signup alice --email alice@example.com
  groupgate --stack-name groupgate confirm alice 123456
  groupgate --stack-name groupgate login alice
  groupgate --stack-name groupgate call GET /
"""


def _common_options() -> argparse.ArgumentParser:
    # Given to the main parser and to every command, so options work before or after the command name.
    common = argparse.ArgumentParser(add_help=False)
    where = common.add_argument_group("where the stack is")
    where.add_argument(
        "--stack-name", metavar="STACK", default=argparse.SUPPRESS, help="read this deployed stack's Outputs"
    )
    where.add_argument(
        "--outputs", metavar="FILE", type=Path, default=argparse.SUPPRESS, help="read Outputs from a JSON file"
    )
    where.add_argument("--api-url", default=argparse.SUPPRESS, help="the API's invoke URL (Outputs: ApiUrl)")
    where.add_argument("--region", default=argparse.SUPPRESS, help="the stack's region (Outputs: Region)")
    where.add_argument("--user-pool-id", default=argparse.SUPPRESS, help="Outputs: UserPoolId")
    where.add_argument("--client-id", default=argparse.SUPPRESS, help="the app client id (Outputs: UserPoolClientId)")
    where.add_argument("--identity-pool-id", default=argparse.SUPPRESS, help="Outputs: IdentityPoolId")
    who = common.add_argument_group("session")
    who.add_argument(
        "--user", default=argparse.SUPPRESS, help="whose cached session to use (default: the last to log in)"
    )
    who.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show the error underneath")
    return common


def _password_options(parser: argparse.ArgumentParser, *, new_password: bool) -> None:
    group = parser.add_argument_group("passwords")
    group.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    group.add_argument("--password", metavar="VALUE", help="the password itself (visible to other local users; avoid)")
    if new_password:
        group.add_argument(
            "--new-password-stdin",
            action="store_true",
            help="read the new password (NEW_PASSWORD_REQUIRED) from the next line of stdin",
        )


def build_parser() -> argparse.ArgumentParser:
    common = _common_options()
    parser = argparse.ArgumentParser(
        prog=PROG, description=DESCRIPTION, epilog=EPILOG, parents=[common],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=summary, description=summary, parents=[common])

    signup = command("signup", "register a user; Cognito emails a confirmation code")
    signup.add_argument("username")
    signup.add_argument("--email", required=True, help="where the confirmation code goes")
    _password_options(signup, new_password=False)

    confirm = command("confirm", "confirm a sign-up with the emailed code (the user then joins the group)")
    confirm.add_argument("username")
    confirm.add_argument("code")

    resend = command("resend", "email a new confirmation code")
    resend.add_argument("username")

    login = command("login", "sign in with SRP and get the group role's credentials")
    login.add_argument("username", help="user name or email address")
    _password_options(login, new_password=True)

    whoami = command("whoami", "show the identity id, the role in use, the groups and when credentials expire")
    whoami.add_argument("--json", action="store_true", help="print one JSON object")

    call = command("call", "send a SigV4-signed request to the API; exits non-zero on 4xx and 5xx")
    call.add_argument("method", type=str.upper, help="GET, POST ...")
    call.add_argument("path", help="path under the API's URL, such as /")
    call.add_argument("--data", metavar="JSON|@FILE", help="a JSON body, inline or read from a file")
    call.add_argument("-H", "--header", action="append", default=[], metavar="'NAME: VALUE'", help="an extra header")
    call.add_argument("--json", action="store_true", help="print status, headers and body as one JSON object")
    call.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the answer (default 30)")
    call.add_argument("--guest", action="store_true", help="sign with the identity pool's guest credentials instead")

    command("logout", "revoke the session's refresh token at Cognito and forget the session")

    local = commands.add_parser(
        "local",
        help="the local cloud: `local demo`, `local start`, `local invoke` (needs groupgate[local])",
        add_help=False,
        prefix_chars="\0",  # everything after `local` belongs to `groupgate local`
    )
    local.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


class Console:
    """Where the CLI reads and writes; tests give their own streams."""

    def __init__(self, stdin: TextIO, stdout: TextIO, stderr: TextIO, environ: dict[str, str]) -> None:
        self.stdin, self.stdout, self.stderr, self.environ = stdin, stdout, stderr, environ

    def out(self, text: str = "") -> None:
        print(text, file=self.stdout)

    def err(self, text: str) -> None:
        # One line, whatever the text: an answer may carry a page of HTML or a canonical request.
        line = " ".join(text.split())
        print(f"{PROG}: {line[:600]}" + (" [...]" if len(line) > 600 else ""), file=self.stderr)

    def secret(
        self, *, option: bool, given: str | None, variable: str, prompt: str, confirm: bool = False
    ) -> str | None:
        """A password from stdin (if ``option``), an explicit value, the environment or a hidden prompt."""
        import getpass  # noqa: PLC0415 - only where a password is asked for

        if option and self.stdin.isatty():
            return getpass.getpass(prompt)  # --password-stdin typed at a terminal: still no echo
        if option:
            line = self.stdin.readline()
            if not line:
                raise GroupgateError(f"{prompt.lower().rstrip(': ')}: stdin ended before it")
            return line.rstrip("\r\n")
        if given:
            return given
        if self.environ.get(variable):
            return self.environ[variable]
        if not self.stdin.isatty():
            return None
        first = getpass.getpass(prompt)
        if confirm and getpass.getpass("Again: ") != first:
            raise GroupgateError("the two passwords differ")
        return first


def _settings(args: argparse.Namespace, environ: dict[str, str]) -> settings.Settings:
    options = {
        field: getattr(args, field, None)
        for field in ("api_url", "region", "user_pool_id", "client_id", "identity_pool_id")
    }
    return settings.resolve(
        options=options,
        stack_name=getattr(args, "stack_name", None) or environ.get("GROUPGATE_STACK_NAME"),
        outputs_file=getattr(args, "outputs", None)
        or (Path(environ["GROUPGATE_OUTPUTS"]) if environ.get("GROUPGATE_OUTPUTS") else None),
        environ=environ,
    )


def _password(console: Console, args: argparse.Namespace, *, confirm: bool = False) -> str:
    password = console.secret(
        option=args.password_stdin,
        given=args.password,
        variable="GROUPGATE_PASSWORD",
        prompt="Password: ",
        confirm=confirm,
    )
    if not password:
        raise GroupgateError(
            "no password: type it at the prompt (on a terminal), or use --password-stdin or GROUPGATE_PASSWORD"
        )
    return password


def _expiry(at: float) -> str:
    minutes = max(0, int((at - time.time()) // 60))
    return f"{datetime.fromtimestamp(at, UTC).strftime('%Y-%m-%dT%H:%M:%SZ')} (in {minutes} min)"


def cmd_signup(session: Session, args: argparse.Namespace, console: Console) -> int:
    delivery = session.user_pool().sign_up(args.username, _password(console, args, confirm=True), args.email)
    if delivery.get("confirmed"):
        console.out(f"signed up {args.username}; already confirmed")
    else:
        where = delivery.get("Destination", args.email)
        console.out(f"signed up {args.username}; a confirmation code went to {where}")
        console.out(f"next: {PROG} confirm {args.username} CODE")
    return ExitCode.OK


def cmd_confirm(session: Session, args: argparse.Namespace, console: Console) -> int:
    session.user_pool().confirm(args.username, args.code)
    console.out(f"confirmed {args.username}; next: {PROG} login {args.username}")
    return ExitCode.OK


def cmd_resend(session: Session, args: argparse.Namespace, console: Console) -> int:
    delivery = session.user_pool().resend(args.username)
    console.out(f"a new confirmation code went to {delivery.get('Destination', 'the user')}")
    return ExitCode.OK


def cmd_login(session: Session, args: argparse.Namespace, console: Console) -> int:
    password = _password(console, args)

    def new_password() -> str | None:
        if not args.new_password_stdin and not console.environ.get("GROUPGATE_NEW_PASSWORD") and console.stdin.isatty():
            console.err(f"{args.username} must choose a new password now (first sign-in)")
        return console.secret(
            option=args.new_password_stdin,
            given=None,
            variable="GROUPGATE_NEW_PASSWORD",
            prompt="New password: ",
            confirm=True,
        )

    session.login(args.username, password, new_password=new_password)
    credentials = session.credentials()
    console.out(f"logged in as {session.username}; identity {session.identity_id}")
    console.out(f"credentials expire {_expiry(credentials.expires_at)}")
    return ExitCode.OK


def cmd_whoami(session: Session, args: argparse.Namespace, console: Console) -> int:
    credentials = session.credentials()
    claims = session.claims()
    role_error = None
    try:
        role: str | None = session.caller_arn()
    except GroupgateError as error:
        role, role_error = None, str(error)
    info = {
        "user": session.username,
        "email": claims.get("email"),
        "groups": claims.get("cognito:groups", []),
        "identity_id": session.identity_id,
        "role": role,
        "role_error": role_error,
        "preferred_role": claims.get("cognito:preferred_role"),
        "credentials_expire": datetime.fromtimestamp(credentials.expires_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if args.json:
        console.out(json.dumps(info, indent=2))
        return ExitCode.OK
    console.out(f"user         {info['user']}" + (f" ({info['email']})" if info["email"] else ""))
    console.out(f"groups       {', '.join(info['groups']) or '(none)'}")
    console.out(f"identity id  {info['identity_id']}")
    console.out(f"role         {role or f'unknown ({role_error})'}")
    console.out(f"credentials  expire {_expiry(credentials.expires_at)}")
    return ExitCode.OK


def _body(data: str | None) -> bytes | None:
    if data is None:
        return None
    source = "--data"
    if data.startswith("@"):
        source = data
        try:
            data = Path(data[1:]).read_text()
        except OSError as error:
            raise GroupgateError(f"--data {source}: cannot read the file ({error.strerror})") from None
    try:
        json.loads(data)
    except json.JSONDecodeError as error:
        raise GroupgateError(f"{source} is not JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    return data.encode()


def _headers(raw: Sequence[str]) -> dict[str, str]:
    headers = {}
    for header in raw:
        name, colon, value = header.partition(":")
        if not colon or not name.strip():
            raise GroupgateError(f"-H {header!r}: write a header as 'Name: value'")
        headers[name.strip()] = value.strip()
    return headers


def cmd_call(session: Session, args: argparse.Namespace, console: Console) -> int:
    body = _body(args.data)
    headers = _headers(args.header)
    if body is not None:
        headers.setdefault("Content-Type", "application/json")
    url = session.api_url.rstrip("/") + "/" + args.path.lstrip("/")
    auth = session.guest_auth() if args.guest else session.auth()
    try:
        answer = requests.request(args.method, url, data=body, headers=headers, auth=auth, timeout=args.timeout)
    except requests.RequestException as error:
        raise Unreachable(f"the API at {url} did not answer ({type(error).__name__}: {error})") from error
    try:
        parsed: Any = answer.json()
    except ValueError:
        parsed = answer.text
    parsed = _redact(parsed)
    if args.json:
        console.out(
            json.dumps({"status": answer.status_code, "headers": dict(answer.headers), "body": parsed}, indent=2)
        )
    else:
        console.out(f"HTTP {answer.status_code} {answer.reason}")
        console.out(json.dumps(parsed, indent=2) if not isinstance(parsed, str) else parsed)
    if answer.status_code >= 400:
        code, line = _refusal(answer.status_code, answer.headers.get("x-amzn-ErrorType", ""), parsed)
        console.err(f"{line} ({args.method} {args.path})")
        return code
    return ExitCode.OK


def _first_line(parsed: Any) -> str:
    message = (parsed.get("message") or parsed.get("Message") or "") if isinstance(parsed, dict) else str(parsed)
    return str(message).strip().splitlines()[0] if str(message).strip() else ""


def _refusal(status: int, error_type: str, parsed: Any) -> tuple[int, str]:
    """The exit code and the one line for an API refusal, by API Gateway's x-amzn-ErrorType."""
    kind = error_type.split(":", 1)[0]
    message = _first_line(parsed)
    if kind == "AccessDeniedException" or (status == 403 and not kind):
        return NotAllowed.exit_code, f"not allowed: the API refused the call: {message}"
    if kind == "MissingAuthenticationTokenException":
        return ExitCode.HTTP_ERROR, f"the API has no such path or method ({message})"
    if kind in ("ExpiredTokenException", "UnrecognizedClientException"):
        return ExitCode.SESSION_EXPIRED, f"the API did not accept the credentials ({message}): log in again"
    if kind in ("InvalidSignatureException", "IncompleteSignatureException"):
        return ExitCode.ERROR, f"the API refused the signature ({message}); check this machine's clock"
    return ExitCode.HTTP_ERROR, f"the API answered {status}" + (f": {message}" if message else "")


def _redact(parsed: Any) -> Any:
    """API Gateway's signature-mismatch answer quotes the request, session token included."""
    if isinstance(parsed, dict):
        return {key: _redact(value) for key, value in parsed.items()}
    if isinstance(parsed, str):
        return re.sub(r"(x-amz-security-token:)\S+", r"\1<redacted>", parsed)
    return parsed


def cmd_logout(session: Session, args: argparse.Namespace, console: Console) -> int:
    username = session.username
    expires = session.credentials_expire_at()
    problem = session.logout()
    if expires is not None:
        console.out(f"note: AWS credentials already issued stay valid until {_expiry(expires)}")
    if problem:
        console.err(
            f"could not revoke the session at Cognito ({problem}); its refresh token stays valid until it expires"
        )
    console.out(f"logged out {username}")
    return ExitCode.OK


LocalCommand = Callable[[Sequence[str], TextIO, TextIO], int]  # `groupgate local ARGV` (groupgate.command.local)


def _hand_over(local: LocalCommand | None, argv: Sequence[str], console: Console) -> int:
    if local is None:
        console.err("`groupgate local` runs from the groupgate command (groupgate.command.main), not from here")
        return int(ExitCode.USAGE)
    return local(argv, console.stdout, console.stderr)


COMMANDS: dict[str, Callable[[Session, argparse.Namespace, Console], int]] = {
    "signup": cmd_signup,
    "confirm": cmd_confirm,
    "resend": cmd_resend,
    "login": cmd_login,
    "whoami": cmd_whoami,
    "call": cmd_call,
    "logout": cmd_logout,
}


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    environ: dict[str, str] | None = None,
    session_factory: Callable[[settings.Settings, str | None], Session] | None = None,
    local: LocalCommand | None = None,
) -> int:
    """Run the CLI; returns the exit code (see ``groupgate --help``). ``groupgate local ...`` goes to ``local``
    (``groupgate.command`` hands it to the local cloud's CLI): this module never imports the local cloud."""
    console = Console(
        stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr, dict(os.environ if environ is None else environ)
    )
    parser = build_parser()
    try:
        # argparse prints help and usage errors itself, to sys.stdout and sys.stderr.
        with contextlib.redirect_stdout(console.stdout), contextlib.redirect_stderr(console.stderr):
            args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.command == "local":
        return _hand_over(local, args.rest, console)
    debug = getattr(args, "debug", False)
    if debug:
        # groupgate's own records only: botocore's debug log would print request bodies (passwords) and
        # answers (tokens, secret keys).
        handler = logging.StreamHandler(console.stderr)
        logging.getLogger("groupgate").addHandler(handler)
        logging.getLogger("groupgate").setLevel(logging.DEBUG)
    try:
        config = _settings(args, console.environ)
        cache = SessionCache(default_root(console.environ))
        make = session_factory or (lambda c, user: Session(c, username=user, cache=cache))
        return COMMANDS[args.command](make(config, getattr(args, "user", None)), args, console)
    except GroupgateError as error:
        console.err(str(error))
        if debug:
            traceback.print_exception(error, file=console.stderr)
        return int(error.exit_code)
    except KeyboardInterrupt:
        console.err("interrupted")
        return 130
    except Exception as error:  # noqa: BLE001 - a bug: still one line here, the rest with --debug
        console.err(f"unexpected error: {type(error).__name__}: {error} (--debug shows where)")
        if debug:
            traceback.print_exception(error, file=console.stderr)
        return int(ExitCode.ERROR)
