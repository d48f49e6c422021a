"""Lambda functions, run as Lambda runs them: in execution environments (``environments``), each an interpreter
of its own that sees the function's code, its layers and the runtime's packages (boto3), not this project's
environment, initialised once and reused, one invocation at a time.

The interpreter is the runtime's Python (``python3.13`` for the template's functions) where this machine
has it, found on PATH or in pyenv; otherwise the current one, said once on stderr. Layers and the
runtime's boto3 are installed once into ``.local/`` with pip and reused.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import math
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from groupgate.local import iam
from groupgate.local.awslambda import packages
from groupgate.local.awslambda.environments import Environment, Pool, stream_name
from groupgate.local.credentials import CredentialStore

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
INIT_SECONDS = 10.0  # Lambda's limit for a function's init phase, on top of its timeout


class LambdaError(RuntimeError):
    """A function that cannot be prepared or found; the message says which and why."""


@dataclass(frozen=True)
class Invocation:
    ok: bool
    payload: Any = None
    error_type: str = ""
    error_message: str = ""
    logs: str = ""  # the invocation's log, as Lambda writes it (START ... REPORT)
    seconds: float = 0.0
    request_id: str = ""
    stack_trace: list[str] = field(default_factory=list)


@dataclass
class Function:
    name: str
    arn: str
    code_dir: Path
    handler: str
    runtime: str
    timeout: float
    memory: int
    environment: dict[str, str]
    layers: list[str]
    role_arn: str
    role_id: str = ""
    description: str = ""
    log_group: str = ""  # LoggingConfig.LogGroup, else /aws/lambda/<name>
    log_format: str = "Text"
    architectures: list[str] = field(default_factory=lambda: ["x86_64"])
    tracing: str = "PassThrough"
    code_sha256: str = ""  # of the deployment package, base64, as Lambda gives it
    code_size: int = 0
    last_modified: float = field(default_factory=time.time)
    revision_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def log_group_name(self) -> str:
        return self.log_group or f"/aws/lambda/{self.name}"


@dataclass
class Permission:
    function: str
    principal: str
    source_arn: str | None
    source_account: str | None
    action: str = "lambda:InvokeFunction"
    statement: str = ""  # the statement id in the function's resource policy


def find_python(version: str) -> str | None:
    """A working ``python<version>``: on PATH, or in pyenv's versions (a pyenv shim that cannot run it
    is passed over)."""
    candidates: list[str] = []
    on_path = shutil.which(f"python{version}")
    if on_path:
        candidates.append(on_path)
    root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    candidates += sorted(str(p) for p in Path(root).glob(f"versions/{version}*/bin/python{version}"))
    for candidate in candidates:
        try:
            answer = subprocess.run(  # noqa: S603 - probing an interpreter by its path
                [candidate, "-c", "import sys; print(sys.executable, '%d.%d' % sys.version_info[:2])"],
                capture_output=True, text=True, timeout=20, check=False,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired):
            continue
        parts = answer.stdout.split()
        if answer.returncode == 0 and len(parts) == 2 and parts[1] == version:
            return parts[0]
    return None


def _pip_install(target: Path, python_version: str, *requirements: str) -> None:
    """Install into ``target`` with this environment's pip, for ``python_version`` (pure-Python wheels)."""
    target.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input",
        "--target", str(target), "--python-version", python_version, "--only-binary=:all:", "--upgrade",
        *requirements,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - pip
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip() and "WARNING: Location" not in line]
        raise LambdaError(
            f"pip could not install {' '.join(requirements)} for Python {python_version}: {lines[-1] if lines else ''}"
        )


def _tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class Lambdas:
    """The functions, layers and permissions of the local cloud."""

    def __init__(
        self,
        *,
        state_dir: Path,
        region: str,
        account_id: str,
        credentials: CredentialStore,
        build_dir: Path | None = None,
        roles: Callable[[str], tuple[str, str] | None],
        endpoint_url: str | None = None,
        warn: Callable[[str], None] | None = None,
        logs: Callable[[str, str, list[tuple[int, str]]], None] = lambda group, stream, events: None,
    ) -> None:
        self.state_dir, self.region, self.account_id = state_dir, region, account_id
        self.build_dir = build_dir or state_dir / "build"  # layers and the runtime's packages, reusable
        self.credentials, self.roles, self.endpoint_url = credentials, roles, endpoint_url
        self.warn = warn or _to_stderr
        self.logs = logs  # (log group, log stream, [(ms, line)]): CloudWatch Logs
        self.functions: dict[str, Function] = {}
        self.layers: dict[str, Path] = {}  # layer version ARN -> its python/ folder
        self.layer_details: dict[str, dict[str, Any]] = {}  # layer version ARN -> what GetLayerVersion shows
        self.permissions: list[Permission] = []
        self._pythons: dict[str, tuple[str, str]] = {}  # runtime -> (interpreter, its version)
        self._lock = threading.Lock()
        self._building = threading.Lock()  # one pip at a time into the build folder
        self._pool = Pool()
        self._layer_versions: dict[str, int] = {}

    # ------------------------------------------------------------ preparing
    def interpreter(self, runtime: str) -> tuple[str, str]:
        """The interpreter that runs ``runtime``'s functions, and its version (found once)."""
        return self._python(runtime)

    def _python(self, runtime: str) -> tuple[str, str]:
        match = re.fullmatch(r"python(\d+\.\d+)", runtime)
        if match is None:
            raise LambdaError(f"runtime {runtime}: the local cloud runs Python runtimes only")
        with self._lock:
            if runtime not in self._pythons:
                found = find_python(match.group(1))
                if found is None:
                    found = sys.executable
                    self.warn(
                        f"{runtime} is not on this machine (PATH or pyenv): functions run with Python "
                        f"{sys.version_info.major}.{sys.version_info.minor} instead"
                    )
                    self._pythons[runtime] = (found, f"{sys.version_info.major}.{sys.version_info.minor}")
                else:
                    self._pythons[runtime] = (found, match.group(1))
            return self._pythons[runtime]

    def _runtime_packages(self, python_version: str) -> Path:
        """The runtime's own packages (boto3, as the Lambda runtime provides it), pinned to this project's."""
        boto3 = importlib.metadata.version("boto3")
        folder = self.build_dir / "runtime" / f"python{python_version}-boto3-{boto3}"
        with self._building:
            if not (folder / ".done").exists():
                _pip_install(folder, python_version, f"boto3=={boto3}")
                (folder / ".done").write_text(boto3)
        return folder

    def add_layer(
        self, arn: str, content: Path, compatible_runtime: str, details: Mapping[str, Any] | None = None
    ) -> None:
        """Build a layer as ``sam build`` does for Python: its requirements and its code, into python/."""
        if not content.is_dir():
            raise LambdaError(f"layer {arn}: its content folder {content} does not exist")
        _, version = self._python(compatible_runtime)
        folder = self.build_dir / "layers" / f"{content.name}-{_tree_hash(content)}-py{version}"
        python = folder / "python"
        with self._building:
            self._build_layer(arn, content, folder, python, version)
        self.layers[arn] = python
        self.layer_details[arn] = {"Created": time.time(), **(details or {})}

    def _build_layer(self, arn: str, content: Path, folder: Path, python: Path, version: str) -> None:
        if not (folder / ".done").exists():
            shutil.rmtree(folder, ignore_errors=True)
            requirements = content / "requirements.txt"
            if requirements.exists():
                _pip_install(python, version, "-r", str(requirements))
            shutil.copytree(
                content, python, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "requirements.txt")
            )
            (folder / ".done").write_text(arn)

    def add_built_layer(self, arn: str, folder: Path, details: Mapping[str, Any] | None = None) -> None:
        """A layer already built (``sam build``) and unpacked: its ``python/`` is what Lambda puts on the path."""
        if not (folder / "python").is_dir():
            raise LambdaError(f"layer {arn}: its zip has no python/ folder, where Lambda looks for Python packages")
        self.layers[arn] = folder / "python"
        sha, size = packages.digest_of(folder) or ("", 0)
        self.layer_details[arn] = {"Created": time.time(), "CodeSha256": sha, "CodeSize": size, **(details or {})}

    def next_layer_version(self, name: str) -> int:
        """The version a new layer of this name gets (1, then 2, ...: Lambda never reuses a version)."""
        with self._lock:
            self._layer_versions[name] = self._layer_versions.get(name, 0) + 1
            return self._layer_versions[name]

    def remove_layer(self, arn: str) -> None:
        self.layers.pop(arn, None)
        self.layer_details.pop(arn, None)

    def remove_function(self, arn: str) -> None:
        gone = self.functions.pop(arn, None)
        if gone is not None:
            self._pool.forget(_key(gone))
        self.permissions = [p for p in self.permissions if p.function != arn]

    def remove_permission(self, statement: str) -> None:
        self.permissions = [p for p in self.permissions if p.statement != statement]

    def add_function(self, function: Function) -> None:
        """A new function, or a function's new code and configuration (the same ARN keeps its permissions)."""
        if not function.code_dir.is_dir():
            raise LambdaError(f"function {function.name}: its code folder {function.code_dir} does not exist")
        for layer in function.layers:
            if layer not in self.layers:
                raise LambdaError(f"function {function.name}: layer {layer} is not in this stack")
        self._python(function.runtime)
        if not function.code_sha256:
            found = packages.digest_of(function.code_dir)
            function.code_sha256, function.code_size = found or _package_digest(function.code_dir)
        before = self.functions.get(function.arn)
        self.functions[function.arn] = function
        if before is not None and before is not function:  # new code or configuration: new environments
            self._pool.forget(_key(before))

    def add_permission(self, permission: Permission) -> None:
        self.permissions.append(permission)

    def find(self, name: str) -> Function:
        """A function by ARN, name or logical id."""
        for function in self.functions.values():
            if name in (function.arn, function.name) or function.arn.split(":")[-1] == name:
                return function
        raise LambdaError(f"no function {name!r} in the local cloud")

    def may_invoke(self, function_arn: str, source_arn: str) -> bool | None:
        """Whether API Gateway may invoke the function for ``source_arn`` (None: there is no such function)."""
        try:
            function = self.find(function_arn)
        except LambdaError:
            return None
        return self.permits(function, "apigateway.amazonaws.com", source_arn, self.account_id)

    def permits(self, function: Function, principal: str, source_arn: str, source_account: str) -> bool:
        """Whether the function's resource policy lets ``principal`` invoke it for ``source_arn``."""
        return any(
            p.principal == principal
            and p.action in ("lambda:InvokeFunction", "lambda:*")
            and p.function in (function.arn, function.name)
            and (p.source_arn is None or iam.glob_match(p.source_arn, source_arn))
            and (p.source_account is None or p.source_account == source_account)
            for p in self.permissions
        )

    # ------------------------------------------------------------ running
    def environment(self, function: Function, stream: str) -> dict[str, str]:
        """What the function's process sees: Lambda's variables, the template's, and its role's credentials."""
        role = self.roles(function.role_arn)
        issued = self.credentials.issue(function.role_arn, role[1] if role else "")
        environment = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            "LAMBDA_TASK_ROOT": str(function.code_dir),
            "_HANDLER": function.handler,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory),
            "AWS_LAMBDA_LOG_GROUP_NAME": function.log_group_name,
            "AWS_LAMBDA_LOG_STREAM_NAME": stream,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ACCESS_KEY_ID": issued.access_key_id,
            "AWS_SECRET_ACCESS_KEY": issued.secret_access_key,
            "AWS_SESSION_TOKEN": issued.session_token,
            **function.environment,
        }
        if self.endpoint_url:
            environment["AWS_ENDPOINT_URL"] = self.endpoint_url  # the one thing Lambda does not do: point at us
        return environment

    def _start(self, function: Function, credentials: Mapping[str, str] | None) -> Environment:
        """A new execution environment of ``function`` (its init not yet answered)."""
        python, version = self._python(function.runtime)
        path = [
            str(function.code_dir),
            *(str(self.layers[a]) for a in function.layers),
            str(self._runtime_packages(version)),
        ]
        stream = stream_name()
        environment = self.environment(function, stream)
        if credentials is not None:
            for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
                environment.pop(key, None)
            environment.update(credentials)
        home = self.state_dir / "lambda-home"
        home.mkdir(parents=True, exist_ok=True)
        # -I: no user environment or site; -S: no site-packages either, not even the interpreter's own
        # (a venv's, when the runtime's Python is missing): the function sees its code, layers and boto3.
        started = Environment(
            _key(function), [python, "-I", "-S", str(BOOTSTRAP)], environment={"HOME": str(home), **environment},
            cwd=function.code_dir, setup={"path": path, "handler": function.handler}, stream=stream, holds=function,
        )  # fmt: skip
        self._pool.started(started)
        return started

    def invoke(
        self,
        name: str,
        event: Any,
        *,
        wait: float | None = None,
        credentials: Mapping[str, str] | None = None,
    ) -> Invocation:
        """Run one invocation in an idle environment of the function, or a new one (its init first). The
        function's own Timeout is enforced inside its process, from the end of its init; ``wait`` is how long
        the caller waits in all (Cognito: 5 seconds), init included. ``credentials`` replace the role's
        (``local invoke`` passes the person's own), in an environment of their own that is not kept."""
        function = self.find(name)
        request_id = str(uuid.uuid4())
        limit = function.timeout + INIT_SECONDS if wait is None else wait
        began, started = time.time(), time.monotonic()
        environment = self._pool.take(_key(function)) if credentials is None else None
        init: tuple[list[str], float] | None = None
        if environment is None:
            environment = self._start(function, credentials)
            lines, outcome, _ = environment.exchange(None, min(limit, INIT_SECONDS))
            if outcome is None or not outcome.get("ok"):  # a failed init is this invocation's answer
                self._pool.discard(environment)
                return self._answer(function, request_id, environment.stream, lines, outcome, began, started,
                                    init=None, limit=limit)  # fmt: skip
            init = (lines, float(outcome.get("init_seconds", 0.0)))
        request = {
            "event": event,
            "timeout": function.timeout,
            "context": {
                "function_name": function.name,
                "function_version": "$LATEST",
                "invoked_function_arn": function.arn,
                "memory_limit_in_mb": function.memory,
                "aws_request_id": request_id,
                "log_group_name": function.log_group_name,
                "log_stream_name": environment.stream,
            },
        }
        lines, outcome, _ = environment.exchange(request, max(0.0, limit - (time.monotonic() - started)))
        if outcome is None or outcome.get("errorType") == "Sandbox.Timedout":
            self._pool.discard(environment)  # crashed or timed out: never used again
        elif credentials is None:
            self._pool.give_back(environment, current=_key(self.functions.get(function.arn, function)))
        else:
            self._pool.discard(environment)
        return self._answer(function, request_id, environment.stream, lines, outcome, began, started, init=init,
                            limit=limit)  # fmt: skip

    def _answer(  # noqa: PLR0917 - one invocation's facts, from the two places it can end
        self, function: Function, request_id: str, stream: str, lines: list[str], outcome: dict[str, Any] | None,
        began: float, started: float, *, init: tuple[list[str], float] | None, limit: float,
    ) -> Invocation:  # fmt: skip
        elapsed = time.monotonic() - started
        if outcome is None and elapsed >= limit:
            outcome = {
                "ok": False,
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"Task timed out after {limit:.2f} seconds (the caller stopped waiting)",
            }
        text = self._log(function, request_id, stream, lines, started=began, elapsed=elapsed, init=init)
        if outcome is None:
            message = "the function's process exited without an answer"
            return Invocation(False, None, "Runtime.ExitError", message, text, elapsed, request_id)
        if outcome.get("ok"):
            return Invocation(True, outcome.get("payload"), logs=text, seconds=elapsed, request_id=request_id)
        return Invocation(
            False, None, str(outcome.get("errorType")), str(outcome.get("errorMessage")), text, elapsed, request_id,
            list(outcome.get("stackTrace") or []),
        )  # fmt: skip

    def idle_environments(self, name: str) -> int:
        """How many initialised environments of the function wait for an invocation."""
        return self._pool.count(_key(self.find(name)))

    def stop(self) -> None:
        """End every execution environment, busy or idle (the cloud is stopping)."""
        self._pool.stop()

    def invoke_trigger(
        self, function_arn: str, event: dict[str, Any], *, source_arn: str, timeout: float
    ) -> tuple[bool, str]:
        """A Cognito trigger: allowed by the function's resource policy, answered with the event."""
        try:
            function = self.find(function_arn)
        except LambdaError:
            return False, f"the function {function_arn} does not exist"
        if not self.permits(function, "cognito-idp.amazonaws.com", source_arn, self.account_id):
            return False, "AccessDeniedException: cognito-idp.amazonaws.com may not invoke the function"
        result = self.invoke(function.arn, event, wait=timeout)
        if not result.ok:
            return False, result.error_message or result.error_type
        return True, ""

    def _log(
        self, function: Function, request_id: str, stream: str, output: list[str], *, started: float, elapsed: float,
        init: tuple[list[str], float] | None = None,
    ) -> str:  # fmt: skip
        """The invocation's log as Lambda writes it (after a cold start, INIT_START and the init's lines; then
        START, the function's lines, END, and REPORT with the Init Duration after a cold start): to the function's
        log group and to ``.local/logs/<name>.log``. Returns it whole (``LogType: Tail`` answers its end)."""
        duration = elapsed * 1000
        runtime = function.runtime.replace("python", "python:")
        head = [f"INIT_START Runtime Version: {runtime}.local", *init[0]] if init else []
        report = (f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms\tBilled Duration: "
                  f"{math.ceil(duration)} ms\tMemory Size: {function.memory} MB\tMax Memory Used: "
                  f"{function.memory // 2} MB\t")  # fmt: skip
        if init:
            report += f"Init Duration: {init[1] * 1000:.2f} ms\t"
        lines = [*head, f"START RequestId: {request_id} Version: $LATEST", *output, f"END RequestId: {request_id}",
                 report]  # fmt: skip
        text = "\n".join(lines) + "\n"
        folder = self.state_dir / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / f"{function.name}.log").open("a") as handle:
            handle.write(text)
        begin, end = int(started * 1000), int((started + elapsed) * 1000)
        events = [(begin, line) for line in lines[: len(head) + 1]] + [(end, line) for line in lines[len(head) + 1 :]]
        self.logs(function.log_group_name, stream, events)
        return text


def _key(function: Function) -> tuple[str, int]:
    """Which environments may run ``function``: those started for this very configuration of it."""
    return function.arn, id(function)


def _package_digest(folder: Path) -> tuple[str, int]:
    """(CodeSha256, CodeSize) of code deployed as a folder: over its files, as a zip of them would be."""
    digest, size = hashlib.sha256(), 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        data = path.read_bytes()
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(data)
        size += len(data)
    return base64.b64encode(digest.digest()).decode(), size


def _to_stderr(message: str) -> None:
    sys.stderr.write(message + "\n")


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode(errors="replace") if isinstance(value, bytes) else value
