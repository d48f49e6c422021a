"""``groupgate local``: the local cloud from the command line.

groupgate local demo                      the seed article's story, offline; exits 0 when it all behaved
groupgate local start                     the local cloud in the foreground until Ctrl-C
groupgate local invoke FUNCTION -e EVENT  one function on one event, as `sam local invoke` does
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO


def _cloud_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--template", type=Path, default=Path("template.yaml"), help="the SAM template (default template.yaml)"
    )
    parser.add_argument(
        "--state-dir", type=Path, default=None, help="where outputs, mail, logs and builds go (default .local)"
    )
    parser.add_argument("--stack-name", default="groupgate", help="the stack's name (default groupgate)")
    parser.add_argument(
        "--region", default="us-east-1", help="the region the stack pretends to be in (default us-east-1)"
    )
    parser.add_argument("--port", type=int, default=0, help="the endpoint's port (default: any free one)")
    parser.add_argument("--api-port", type=int, default=0, help="the API's port (default: any free one)")
    parser.add_argument(
        "--parameter-overrides", "-p", action="append", default=[], metavar="KEY=VALUE",
        help="a template parameter (repeat it, or give several separated by spaces, as sam does)",
    )  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="groupgate local", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    demo = commands.add_parser("demo", help="play the seed article's story against the local cloud, then stop")
    _cloud_options(demo)
    start = commands.add_parser("start", help="run the local cloud until Ctrl-C; writes <state-dir>/outputs.json")
    _cloud_options(start)
    start.add_argument(
        "--web", type=Path, metavar="DIR",
        help="also serve the built web page in DIR (web/dist) at http://localhost:WEB_PORT/, with the cloud's "
        "outputs as its outputs.json; AllowedOrigin defaults to that origin",
    )  # fmt: skip
    start.add_argument("--web-port", type=int, default=5173, help="the web page's port (default 5173)")
    start.add_argument(
        "--host", default="127.0.0.1",
        help="the address the endpoint and the APIs listen on (default 127.0.0.1); the Docker bridge's address "
        "(172.17.0.1) lets `sam local invoke`'s containers reach them, and nothing else",
    )  # fmt: skip
    start.add_argument(
        "--empty", action="store_true",
        help="deploy no stack: an empty account for the SAM CLI or the AWS CLI to deploy into (AWS_ENDPOINT_URL)",
    )  # fmt: skip
    start.add_argument(
        "--cloudwatch-role", action="store_true",
        help="start as an account whose API Gateway already has a CloudWatch Logs role (one named "
        "apigateway-cloudwatch-logs, made outside any stack); without it the account has none, as a new one, and a "
        "stage that logs is refused until one is set",
    )  # fmt: skip
    invoke = commands.add_parser("invoke", help="run one function on one event, as `sam local invoke` does")
    invoke.add_argument("function", help="the function's logical id in the template")
    invoke.add_argument("--event", "-e", type=Path, required=True, help="the event file (see events/)")
    invoke.add_argument("--env-vars", "-n", type=Path, help="a sam-style --env-vars file")
    invoke.add_argument("--template", type=Path, default=Path("template.yaml"))
    invoke.add_argument("--state-dir", type=Path, default=Path(".local"))
    invoke.add_argument("--outputs", type=Path, help="a running local cloud's outputs.json: AWS calls go there")
    invoke.add_argument("--region", default=None)
    invoke.add_argument("--parameter-overrides", "-p", action="append", default=[], metavar="KEY=VALUE")
    return parser


def _parameters(values: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for value in values:
        for pair in value.split():
            key, equals, setting = pair.partition("=")
            if not equals or not key:
                raise ValueError(f"parameter {pair!r} is not KEY=VALUE")
            found[key] = setting.strip('"')
    return found


def main(argv: Sequence[str], *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    args = build_parser().parse_args(list(argv))

    def say(line: str) -> None:
        print(line, file=out, flush=True)

    from groupgate.local.awslambda.functions import LambdaError  # noqa: PLC0415
    from groupgate.local.cloudformation.engine import DeployError  # noqa: PLC0415
    from groupgate.local.cloudformation.template import TemplateError  # noqa: PLC0415

    try:
        if args.command == "demo":
            from groupgate.local.demo import play  # noqa: PLC0415

            state = args.state_dir or Path(".local/demo")
            return 0 if play(args.template, state, _parameters(args.parameter_overrides), say) else 1
        if args.command == "start":
            return _start(args, say)
        return _invoke(args, say)
    except (TemplateError, DeployError, LambdaError, ValueError, OSError) as error:
        print(f"groupgate local: {error}", file=err)
        return 1
    except Exception as error:  # noqa: BLE001 - a bug: one line here, the rest with GROUPGATE_DEBUG=1
        print(f"groupgate local: unexpected error: {type(error).__name__}: {error}", file=err)
        if os.environ.get("GROUPGATE_DEBUG"):
            traceback.print_exception(error, file=err)
        return 1


def _start(args: argparse.Namespace, say: Callable[[str], None]) -> int:
    state = args.state_dir or Path(".local")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    parameters = _parameters(args.parameter_overrides)
    page = None
    if args.web is not None:
        from groupgate.local.server import Listener  # noqa: PLC0415
        from groupgate.local.web import page_app  # noqa: PLC0415

        outputs_of: dict[str, str] = {}
        app = page_app(args.web, lambda: outputs_of)
        try:
            page = Listener(app, port=args.web_port)
        except OSError as error:
            why = f"the web page's {error}: give another --web-port"
            raise OSError(why) from error
        parameters.setdefault("AllowedOrigin", f"http://localhost:{page.server.port}")  # the port bound, if 0 was asked
    try:
        return _serve(args, state, parameters, say, stop=stop, page=page, outputs_of=outputs_of if page else {})
    finally:
        if page is not None:
            page.stop()


def _serve(
    args: argparse.Namespace,
    state: Path,
    parameters: dict[str, str],
    say: Callable[[str], None],
    *,
    stop: threading.Event,
    page: Any,
    outputs_of: dict[str, str],
) -> int:
    from groupgate.local.cloud import LocalCloud  # noqa: PLC0415

    with LocalCloud(
        args.template, state_dir=state, parameters=parameters, stack_name=args.stack_name,
        region=args.region, host=args.host, port=args.port, api_port=args.api_port, out=say,
        cloudwatch_role=args.cloudwatch_role,
    ) as cloud:  # fmt: skip
        outputs = cloud.serve_empty() if args.empty else cloud.deploy()
        lines = [
            "groupgate local cloud: ready",
            f"  endpoint  {outputs['Endpoint']}   (AWS_ENDPOINT_URL for any AWS client; credentials: any)",
            f"  API       {outputs.get('ApiUrl', '-')}"
            if not args.empty
            else f"  stacks    none yet: AWS_ENDPOINT_URL={outputs['Endpoint']} sam deploy",
            f"  outputs   {state / 'outputs.json'}   (groupgate --outputs {state / 'outputs.json'} ...)",
            f"  mail      {state / 'mail'}/   (confirmation codes, temporary passwords)",
            f"  logs      {state / 'logs'}/   (functions, API access log)",
            "Ctrl-C stops it.",
        ]
        if page is not None:
            outputs_of.update(outputs)
            page.start()
            origin = parameters["AllowedOrigin"]
            lines.insert(-1, f"  web page  http://localhost:{page.server.port}/   (the API allows origin {origin})")
        for line in lines:
            say(line)
        stop.wait()
    return 0


def _invoke(args: argparse.Namespace, say: Callable[[str], None]) -> int:
    from groupgate.local.invoke import invoke_function  # noqa: PLC0415

    return invoke_function(
        template=args.template, function=args.function, event_file=args.event, env_vars=args.env_vars,
        state_dir=args.state_dir, outputs=args.outputs, region=args.region,
        parameters=_parameters(args.parameter_overrides), say=say,
    )  # fmt: skip
