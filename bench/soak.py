"""``make soak``: many clients against ``groupgate local start`` for a bounded time, every answer checked.

The local cloud runs as its own process, as a person starts it (guests allowed, so there is a role
that may not invoke; throttling raised, so the soak measures the cloud, not the throttle). Each client
thread plays a fixed mix, round after round:

- a member's signed ``GET /``                        -> 200 {"message": "hello!"}
- an unsigned ``GET /``                              -> 403 Missing Authentication Token
- a signed call changed after signing                -> 403 InvalidSignatureException (signature mismatch)
- a call signed with a key the cloud never issued    -> 403 UnrecognizedClientException
- a guest's signed call (the guest role denies it)   -> 403 AccessDeniedException, "with an explicit deny"
- a sign-in of a user outside the group              -> refused by the identity pool (AmbiguousRoleResolution: Deny)
- now and then, a member's full sign-in and a call   -> 200

and a share of malformed and hostile requests (issue: no 5xx, no hang, nothing that grows memory):

- a malformed request to the endpoint (a list body, a wrong type, an unknown operation, ...) -> 400 with
  the front door's error type (SerializationException, InvalidParameterException, UnknownOperationException)
- a wrong password for the client's own target user   -> 400 "Incorrect username or password." or, once
  locked out, "Password attempts exceeded"
- an SRP sign-in started and never finished           -> 200 PASSWORD_VERIFIER (the challenge must expire)
- ``Content-Length: abc`` at the API                   -> 400
- a byte outside ASCII in X-Amz-Security-Token         -> 403 UnrecognizedClientException
- a PUT to a ResponseURL nobody handed out             -> 403
- a member's signed call with a chunked body           -> 200

It stops at ``--seconds`` or ``--requests``, whichever comes first, then prints the counts per kind,
every wrong answer (the first few in full), and the cloud process's memory after a warm-up round of every
kind and at the end. Exit 0 only if there was no 5xx, every answer was the right one, and, in a run of at
least ``MEMORY_VERDICT_SECONDS``, resident memory at the end was within 10% of the warmed-up figure (a
shorter run is too short for the figure to mean anything; it is printed all the same).

    python -m bench.soak [--seconds 180] [--requests 200000] [--clients 16]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from botocore.auth import SigV4Auth as BotocoreSigV4
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from pycognito.aws_srp import G_HEX, N_HEX, hex_to_long, long_to_hex

from groupgate.cache import Credentials as Issued
from groupgate.cache import SessionCache
from groupgate.errors import GroupgateError, NotAllowed
from groupgate.local.process import NotReady, Running, start
from groupgate.local.users import add_user
from groupgate.session import Session, SigV4Auth

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Correct-Horse-9-battery"  # noqa: S105 - the soak's users' password
MISMATCH = "The request signature we calculated does not match the signature you provided."
PARAMETERS = ["AllowGuests=true", "ThrottlingRateLimit=100000", "ThrottlingBurstLimit=100000"]
# One round of a client: each kind's share of the calls. Sign-ins are slow (SRP on both sides), so rare.
HOSTILE = ["malformed", "wrong-password", "abandoned-srp", "bad-length", "bad-token-bytes", "stray-response",
           "chunked-member"]  # fmt: skip
ROUND = ["member"] * 6 + ["unsigned", "tampered", "unknown-key", "guest"] * 2 + ["member"] * 6 + HOSTILE
SIGN_IN_EVERY = {"outsider": 3, "member-sign-in": 7}  # rounds
KINDS = ("member", "unsigned", "tampered", "unknown-key", "guest", "outsider", "member-sign-in", *HOSTILE)
MEMORY_VERDICT_SECONDS = 120
MEMORY_GROWTH = 0.10
IDP = "AWSCognitoIdentityProviderService"
MALFORMED = [  # (target, body, the error type AWS answers)
    (f"{IDP}.SignUp", b"[]", "SerializationException"),
    (f"{IDP}.SignUp", b"null", "SerializationException"),
    (f"{IDP}.InitiateAuth", b'{"AuthFlow": "USER_SRP_AUTH", "ClientId": "x", "AuthParameters": "a"}',
     "SerializationException"),
    (f"{IDP}.SignUp", b'{"ClientId": "x", "Username": "has space", "Password": " p"}', "InvalidParameterException"),
    (f"{IDP}.RevokeToken", b'{"ClientId": "x"}', "InvalidParameterException"),
    (f"{IDP}.TakeOver", b"{}", "UnknownOperationException"),
    ("AWSCognitoIdentityService.GetId", b'{"IdentityPoolId": 5}', "SerializationException"),
]  # fmt: skip


def say(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def memory_mib(pid: int) -> dict[str, float]:
    """Resident and peak-resident memory of a process, from /proc (Linux)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields


@dataclass
class Tally:
    counts: Counter[str] = field(default_factory=Counter)
    wrong: Counter[str] = field(default_factory=Counter)
    server_errors: int = 0
    examples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, problem: str | None, status: int | None = None) -> None:
        with self.lock:
            self.counts[kind] += 1
            if status is not None and status >= 500:
                self.server_errors += 1
            if problem is not None:
                self.wrong[kind] += 1
                if len(self.examples) < 10:
                    self.examples.append(f"{kind}: {problem}")

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def expect(answer: requests.Response, status: int, error_type: str | None, check: Callable[[Any], bool]) -> str | None:
    """None if the answer is the one AWS gives, else what was wrong with it."""
    try:
        body = answer.json()
    except ValueError:
        body = answer.text
    if answer.status_code != status:
        return f"status {answer.status_code}, expected {status}: {str(body)[:200]}"
    if error_type and not answer.headers.get("x-amzn-ErrorType", "").startswith(error_type):
        return f"x-amzn-ErrorType {answer.headers.get('x-amzn-ErrorType')!r}, expected {error_type}: {body}"
    if not check(body):
        return f"unexpected body {str(body)[:200]}"
    return None


def start_cloud(state: Path) -> Running:
    build = ROOT / ".local" / "build"
    build.mkdir(parents=True, exist_ok=True)
    (state / "build").symlink_to(build)  # the built layer and runtime packages, shared with make local
    try:
        return start(state, PARAMETERS, cwd=ROOT)
    except NotReady as error:
        raise SystemExit(str(error)) from error


class Client:
    """One soak client: its own member, outsider and HTTP connection."""

    def __init__(self, number: int, state: Path, outputs: dict[str, str], tally: Tally) -> None:
        self.number, self.outputs, self.tally = number, outputs, tally
        self.outputs_file, self.state = state / "outputs.json", state / f"client-{number}"
        self.state.mkdir()
        self.member_name, self.outsider_name = f"member{number}", f"outsider{number}"
        self.target_name = f"target{number}"  # wrong passwords lock this one out, never the member
        add_user(outputs, self.member_name, PASSWORD)
        add_user(outputs, self.outsider_name, PASSWORD, member=False)
        add_user(outputs, self.target_name, PASSWORD, member=False)
        session = self.session("member")
        session.login(self.member_name, PASSWORD)
        self.member_session = session
        self.auth = session.auth()
        self.malformed_next = number
        self.guest_signer = session.guest_auth()
        never_issued = Issued("ASIAUNKNOWNKEY000000", "not-a-secret", "not-a-token", time.time() + 3600)
        self.stranger = SigV4Auth(lambda: never_issued, outputs["Region"], "execute-api")
        self.http = requests.Session()
        self.api = outputs["ApiUrl"]

    def session(self, cache: str) -> Session:
        return Session.from_outputs(self.outputs_file, cache=SessionCache(self.state / cache))

    def run(self, stop: Callable[[], bool]) -> None:
        round_number = 0
        while not stop():
            round_number += 1
            for kind in ROUND:
                if stop():
                    return
                self.play(kind)
            for kind, every in SIGN_IN_EVERY.items():
                if (round_number + self.number) % every == 0 and not stop():
                    self.play(kind)

    def play(self, kind: str) -> None:
        try:
            problem, status = getattr(self, kind.replace("-", "_"))()
        except requests.RequestException as error:
            problem, status = f"no answer: {type(error).__name__}: {error}", None
        except Exception as error:  # noqa: BLE001 - a soak counts every failure, it does not stop at one
            problem, status = f"the client failed: {type(error).__name__}: {error}", None
        self.tally.record(kind, problem, status)

    def call(self, auth: Any) -> requests.Response:
        return self.http.get(self.api, auth=auth, timeout=30)

    def member(self) -> tuple[str | None, int]:
        answer = self.call(self.auth)
        return expect(answer, 200, None, lambda body: body == {"message": "hello!"}), answer.status_code

    def unsigned(self) -> tuple[str | None, int]:
        answer = self.call(None)
        return expect(answer, 403, "MissingAuthenticationTokenException",
                      lambda body: body == {"message": "Missing Authentication Token"}), answer.status_code  # fmt: skip

    def tampered(self) -> tuple[str | None, int]:
        prepared = requests.Request("GET", self.api + "?role=reader").prepare()
        self.auth(prepared)
        prepared.url = self.api + "?role=admin"  # changed after signing
        answer = self.http.send(prepared, timeout=30)
        return expect(answer, 403, "InvalidSignatureException",
                      lambda body: str(body.get("message", "")).startswith(MISMATCH)), answer.status_code  # fmt: skip

    def unknown_key(self) -> tuple[str | None, int]:
        answer = self.call(self.stranger)
        return expect(answer, 403, "UnrecognizedClientException",
                      lambda body: body == {"message": "The security token included in the request is invalid."}), \
            answer.status_code  # fmt: skip

    def guest(self) -> tuple[str | None, int]:
        answer = self.call(self.guest_signer)
        denied = expect(answer, 403, "AccessDeniedException",
                        lambda body: str(body.get("Message", "")).endswith("with an explicit deny"))  # fmt: skip
        return denied, answer.status_code

    # ------------------------------------------------------------ hostile
    def _aws(self, target: str, body: bytes) -> requests.Response:
        headers = {"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"}
        return self.http.post(self.outputs["Endpoint"], data=body, headers=headers, timeout=30)

    def malformed(self) -> tuple[str | None, int]:
        target, body, error_type = MALFORMED[self.malformed_next % len(MALFORMED)]
        self.malformed_next += 1
        answer = self._aws(target, body)
        return expect(answer, 400, error_type, lambda found: found.get("__type") == error_type), answer.status_code

    def wrong_password(self) -> tuple[str | None, int]:
        body = {"UserPoolId": self.outputs["UserPoolId"], "ClientId": self.outputs["UserPoolClientId"],
                "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": self.target_name, "PASSWORD": "Wrong-Password-0!"}}  # fmt: skip
        answer = self._aws(f"{IDP}.AdminInitiateAuth", json.dumps(body).encode())
        refused = ("Incorrect username or password.", "Password attempts exceeded")
        return expect(answer, 400, "NotAuthorizedException", lambda found: found.get("message") in refused), \
            answer.status_code  # fmt: skip

    def abandoned_srp(self) -> tuple[str | None, int]:
        n = hex_to_long(N_HEX)
        srp_a = long_to_hex(pow(hex_to_long(G_HEX), secrets.randbelow(n - 2) + 1, n))  # as a client starts SRP
        body = {"ClientId": self.outputs["UserPoolClientId"], "AuthFlow": "USER_SRP_AUTH",
                "AuthParameters": {"USERNAME": self.member_name, "SRP_A": srp_a}}  # fmt: skip
        answer = self._aws(f"{IDP}.InitiateAuth", json.dumps(body).encode())
        return expect(answer, 200, None, lambda found: found.get("ChallengeName") == "PASSWORD_VERIFIER"), \
            answer.status_code  # fmt: skip

    def _raw_api(self, head: str) -> tuple[int, str]:
        where = urlsplit(self.api)
        with socket.create_connection((where.hostname, where.port), timeout=30) as connection:
            connection.sendall(f"{head}\r\n".encode("latin-1"))
            received = b"".join(iter(lambda: connection.recv(65536), b""))
        top = received.partition(b"\r\n\r\n")[0].decode("latin-1")
        error_type = next((line.split(":", 1)[1].strip() for line in top.split("\r\n")
                           if line.lower().startswith("x-amzn-errortype:")), "")  # fmt: skip
        return int(top.split()[1]), error_type

    def bad_length(self) -> tuple[str | None, int]:
        path = urlsplit(self.api).path
        status, _ = self._raw_api(f"GET {path} HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n")
        return (None if status == 400 else f"status {status}, expected 400"), status

    def bad_token_bytes(self) -> tuple[str | None, int]:
        headers = self._signed()
        headers["X-Amz-Security-Token"] = headers["X-Amz-Security-Token"][:-1] + "\xff"
        path = urlsplit(self.api).path
        status, error_type = self._raw_api(
            f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        )
        wanted = (403, "UnrecognizedClientException")
        return (None if (status, error_type) == wanted else f"{status} {error_type}, expected {wanted}"), status

    def stray_response(self) -> tuple[str | None, int]:
        url = f"{self.outputs['Endpoint']}/__cloudformation-response/{uuid.uuid4().hex}"
        answer = self.http.put(url, data=b"x" * 65536, timeout=30)
        return (None if answer.status_code == 403 else f"status {answer.status_code}, expected 403"), answer.status_code

    def chunked_member(self) -> tuple[str | None, int]:
        body = b'{"chunked": true}'
        answer = self.http.get(self.api, data=iter([body[:4], body[4:]]), headers=self._signed(body), timeout=30)
        return expect(answer, 200, None, lambda found: found == {"message": "hello!"}), answer.status_code

    def _signed(self, body: bytes = b"") -> dict[str, str]:
        issued = self.member_session.credentials()
        credentials = Credentials(issued.access_key_id, issued.secret_access_key, issued.session_token)
        request = AWSRequest(method="GET", url=self.api, data=body)
        BotocoreSigV4(credentials, "execute-api", self.outputs["Region"]).add_auth(request)
        return dict(request.headers.items())

    def outsider(self) -> tuple[str | None, int | None]:
        with tempfile.TemporaryDirectory(dir=self.state) as cache:
            session = self.session(cache)
            try:
                session.login(self.outsider_name, PASSWORD)
            except NotAllowed as error:
                if "ambiguous role mapping rules" in str(error) and "denied this request" in str(error):
                    return None, None
                return f"refused with another message: {error}", None
            except GroupgateError as error:
                return f"{type(error).__name__}: {error}", None
        return "a user outside the group got credentials", None

    def member_sign_in(self) -> tuple[str | None, int | None]:
        with tempfile.TemporaryDirectory(dir=self.state) as cache:
            session = self.session(cache)
            try:
                session.login(self.member_name, PASSWORD)
            except GroupgateError as error:
                return f"sign-in failed: {type(error).__name__}: {error}", None
            answer = self.call(session.auth())
        return expect(answer, 200, None, lambda body: body == {"message": "hello!"}), answer.status_code


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make soak", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", "180")))
    parser.add_argument("--requests", type=int, default=int(os.environ.get("SOAK_REQUESTS", "200000")))
    parser.add_argument("--clients", type=int, default=int(os.environ.get("SOAK_CLIENTS", "16")))
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.requests <= 0 or args.clients <= 0:
        parser.error("--seconds, --requests and --clients must be positive")

    with tempfile.TemporaryDirectory(prefix="groupgate-soak-") as scratch:
        state = Path(scratch)
        say("soak: starting groupgate local start")
        cloud = start_cloud(state)
        try:
            return soak(cloud.process, cloud.outputs, state, args)
        finally:
            cloud.stop()


def soak(process: subprocess.Popen[bytes], outputs: dict[str, str], state: Path, args: argparse.Namespace) -> int:
    tally = Tally()
    say(f"soak: {args.clients} clients signing in their members")
    clients = [Client(number, state, outputs, tally) for number in range(args.clients)]
    for client in clients:  # a warm-up round of every kind: what loads once is loaded before memory is measured
        for kind in KINDS:
            client.play(kind)
    before = memory_mib(process.pid)
    started = time.monotonic()

    def stop() -> bool:
        return time.monotonic() - started >= args.seconds or tally.total >= args.requests or process.poll() is not None

    say(f"soak: up to {args.seconds:.0f} s or {args.requests} calls")
    threads = [threading.Thread(target=client.run, args=(stop,), daemon=True) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    alive = process.poll() is None
    after = memory_mib(process.pid) if alive else {}

    print(f"groupgate soak: {args.clients} clients, {elapsed:.0f} s, {tally.total} calls "
          f"({tally.total / elapsed:.0f} per second), against groupgate local start (pid {process.pid})")  # fmt: skip
    print(f"{'kind':<16}{'calls':>9}{'wrong':>7}")
    for kind in KINDS:
        print(f"{kind:<16}{tally.counts[kind]:>9}{tally.wrong[kind]:>7}")
    print(f"5xx answers: {tally.server_errors}")
    end = f"{after['VmRSS']:.0f} MiB at end (peak {after['VmHWM']:.0f} MiB)" if alive else "the cloud process died"
    growth = after.get("VmRSS", 0) / before["VmRSS"] - 1 if alive else float("inf")
    judged = elapsed >= MEMORY_VERDICT_SECONDS
    verdict = ("within" if growth <= MEMORY_GROWTH else "OVER") + f" {MEMORY_GROWTH:.0%}" if judged else "not judged"
    print(f"cloud memory: RSS {before['VmRSS']:.0f} MiB after warm-up, {end}: {growth:+.1%} ({verdict})")
    for example in tally.examples:
        print(f"  wrong: {example}")
    answers_right = tally.server_errors == 0 and not tally.wrong and all(tally.counts[kind] for kind in KINDS)
    passed = alive and answers_right and (not judged or growth <= MEMORY_GROWTH)
    print("verdict: " + ("every answer right, no 5xx" if passed else "FAILED"))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
