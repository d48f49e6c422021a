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

It stops at ``--seconds`` or ``--requests``, whichever comes first, then prints the counts per kind,
every wrong answer (the first few in full), and the cloud process's memory at start and end. Exit 0
only if there was no 5xx and every answer was the right one.

    python -m bench.soak [--seconds 180] [--requests 200000] [--clients 16]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from requests_aws4auth import AWS4Auth

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
ROUND = ["member"] * 6 + ["unsigned", "tampered", "unknown-key", "guest"] * 2 + ["member"] * 6
SIGN_IN_EVERY = {"outsider": 3, "member-sign-in": 7}  # rounds
KINDS = ("member", "unsigned", "tampered", "unknown-key", "guest", "outsider", "member-sign-in")


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
        add_user(outputs, self.member_name, PASSWORD)
        add_user(outputs, self.outsider_name, PASSWORD, member=False)
        session = self.session("member")
        session.login(self.member_name, PASSWORD)
        self.auth = session.auth()
        self.guest_signer = session.guest_auth()
        self.stranger = SigV4Auth(AWS4Auth("ASIAUNKNOWNKEY000000", "not-a-secret", outputs["Region"], "execute-api",
                                           session_token="not-a-token"))  # fmt: skip  # noqa: S106 - a key never issued
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
    print(f"cloud memory: RSS {before.get('VmRSS', 0):.0f} MiB at start, {end}")
    for example in tally.examples:
        print(f"  wrong: {example}")
    passed = alive and tally.server_errors == 0 and not tally.wrong and all(tally.counts[kind] for kind in KINDS)
    print("verdict: " + ("every answer right, no 5xx" if passed else "FAILED"))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
