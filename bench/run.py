"""``make bench``: the numbers a user chooses a Lambda design and a client by, with their baselines.

Every figure is a median over repeated runs, shown with its spread (min-max); a comparison is a ratio of
two medians measured in the same run. One table is printed; ``--json`` keeps the raw figures and
``--markdown`` prints the table as BENCHMARKS.md records it.

    python -m bench.run [--runs 15] [--markdown] [--json .local/bench/last.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import requests

from groupgate.cache import SessionCache
from groupgate.local.awslambda.functions import Lambdas, find_python
from groupgate.local.cloud import LocalCloud
from groupgate.local.credentials import CredentialStore
from groupgate.local.users import add_user
from groupgate.session import Session

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / ".local" / "build"
STATE = ROOT / ".local" / "bench"
PASSWORD = "Correct-Horse-9-battery"  # noqa: S105 - a benchmark user's password
UNTHROTTLED = {"ThrottlingRateLimit": "100000", "ThrottlingBurstLimit": "100000"}
SECTIONS = ["cold", "sizes", "deploy", "sam", "sam-local", "client", "load"]


@dataclass
class Row:
    section: str
    measure: str
    value: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    verdict: str = ""


def spread(values: Sequence[float], unit: str, digits: int = 1) -> str:
    return f"{statistics.median(values):.{digits}f} {unit} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def say(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


# ---------------------------------------------------------------- 1. cold starts
def cold_starts(runs: int) -> list[Row]:

    python = find_python("3.13")
    interpreter = python or sys.executable
    lambdas = Lambdas(
        state_dir=STATE, region="us-east-1", account_id="123456789012", credentials=CredentialStore("123456789012"),
        roles=lambda _: None, build_dir=BUILD, warn=say,
    )  # fmt: skip
    lambdas.add_layer("layer", ROOT / "layers" / "shared", "python3.13")
    version = "3.13" if python else f"{sys.version_info.major}.{sys.version_info.minor}"
    paths = [
        str(ROOT / "functions" / "role_mapping"),
        str(ROOT / "functions" / "post_confirmation"),
        str(ROOT / "functions" / "me"),
        str(lambdas.layers["layer"]),
        str(lambdas._runtime_packages(version)),  # the runtime's boto3, as functions get it
    ]
    cases = {
        "bare interpreter": "pass",
        "powertools Logger": "from aws_lambda_powertools import Logger; Logger()",
        "boto3 + one client": "import boto3; boto3.client('cognito-idp', region_name='us-east-1')",
        "custom resource": "import role_mapping.app",
        "trigger": "import post_confirmation.app",
        "powertools Logger + REST handler": "from aws_lambda_powertools import Logger; "
        "from aws_lambda_powertools.event_handler import APIGatewayRestResolver; Logger(); APIGatewayRestResolver()",
        "GET /me function": "import me.app",
    }
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in cases}
    walls: dict[str, list[float]] = {name: [] for name in cases}
    say(f"cold starts: {runs} fresh {interpreter} processes per case")
    for _ in range(runs):
        for name, statement in cases.items():  # interleaved, so drift hits every case alike
            started = time.perf_counter()
            done = subprocess.run(  # noqa: S603 - the runtime's interpreter and our probe
                [interpreter, "-I", "-S", str(ROOT / "bench" / "coldstart_probe.py"), statement, *paths],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            walls[name].append((time.perf_counter() - started) * 1000)
            results[name].append(json.loads(done.stdout))

    def init(name: str) -> list[float]:
        return [r["init_ms"] for r in results[name]]

    def rss(name: str) -> list[float]:
        return [r["rss_mb"] for r in results[name]]

    rows = [
        Row("cold start", f"{name}: import + init", spread(init(name), "ms"), target="", verdict="")
        for name in ("bare interpreter", "powertools Logger", "boto3 + one client")
    ]
    logger, client = statistics.median(init("powertools Logger")), statistics.median(init("boto3 + one client"))
    custom, trigger = statistics.median(init("custom resource")), statistics.median(init("trigger"))
    rows += [
        Row("cold start", "custom resource: import + init", spread(init("custom resource"), "ms"),
            "powertools Logger", f"{custom / logger:.2f}x", "<= 2x", "met" if custom <= 2 * logger else "missed"),
        Row("cold start", "custom resource imports boto3", str(any(r["boto3"] for r in results["custom resource"])),
            target="no", verdict="met" if not any(r["boto3"] for r in results["custom resource"]) else "missed"),
            Row("cold start", "trigger: import + init", spread(init("trigger"), "ms"), "boto3 + one client",
            f"{trigger / client:.2f}x", "<= 1.2x", "met" if trigger <= 1.2 * client else "missed"),
    ]  # fmt: skip
    handler, me = (
        statistics.median(init("powertools Logger + REST handler")),
        statistics.median(init("GET /me function")),
    )
    rows += [
        Row("cold start", "powertools Logger + REST handler: import + init",
            spread(init("powertools Logger + REST handler"), "ms")),
        Row("cold start", "GET /me function: import + init", spread(init("GET /me function"), "ms"),
            "Logger + REST handler", f"{me / handler:.2f}x", "<= 1.3x", "met" if me <= 1.3 * handler else "missed"),
    ]  # fmt: skip
    rows += [Row("cold start", f"{name}: peak RSS", spread(rss(name), "MB")) for name in cases]
    rows += [Row("cold start", f"{name}: whole process", spread(walls[name], "ms", 0)) for name in cases]
    rows.append(Row("cold start", "interpreter", f"{interpreter} ({version})"))
    return rows


# ---------------------------------------------------------------- 2. package sizes
def package_sizes() -> list[Row]:
    sam = ROOT / ".tools" / "sam" / "bin" / "sam"
    finder = subprocess.run([str(ROOT / "scripts" / "find-python313")], capture_output=True, text=True, check=False)  # noqa: S603
    if not sam.exists() or finder.returncode != 0:
        why = "no .tools/sam (make tools)" if not sam.exists() else finder.stderr.strip()
        return [Row("package size", "sam build", f"not measured: {why}")]
    with tempfile.TemporaryDirectory() as scratch:
        say("package sizes: sam build")
        done = subprocess.run(  # noqa: S603 - the SAM CLI from its own venv
            [str(sam), "build", "--template", str(ROOT / "template.yaml"), "--build-dir", f"{scratch}/build",
             "--cache-dir", f"{scratch}/cache"],
            env={**os.environ, "SAM_CLI_TELEMETRY": "0", "PATH": f"{finder.stdout.strip()}:{os.environ['PATH']}"},
            capture_output=True, text=True, check=False, cwd=ROOT,
        )  # fmt: skip
        if done.returncode != 0:
            return [Row("package size", "sam build", f"failed: {done.stderr.strip().splitlines()[-1:]}")]
        rows = []
        for artifact in sorted(Path(scratch, "build").iterdir()):
            if artifact.is_dir():
                files = [p for p in artifact.rglob("*") if p.is_file()]
                size = sum(p.stat().st_size for p in files)
                archive = shutil.make_archive(f"{scratch}/{artifact.name}", "zip", artifact)
                zipped = Path(archive).stat().st_size / 1024
                rows.append(Row("package size", artifact.name,
                                f"{size / 1024:.1f} KiB in {len(files)} files; zipped {zipped:.1f} KiB"))  # fmt: skip
        return rows


# ---------------------------------------------------------------- 3 and 4: against the local cloud
def client_figures(cloud: Any, outputs: dict[str, str], runs: int) -> list[Row]:

    outputs_file = cloud.state_dir / "outputs.json"
    add_user(outputs, "bench", PASSWORD)
    api = outputs["ApiUrl"]

    def answered() -> int:
        return sum(cloud.requests_answered().values())

    cold_times, cold_trips = [], []
    say(f"client: cold path, {runs} times")
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as cache:
            before = answered()
            started = time.perf_counter()
            session = Session.from_outputs(outputs_file, cache=SessionCache(Path(cache)))
            session.login("bench", PASSWORD)
            status = requests.get(api, auth=session.auth(), timeout=10).status_code
            cold_times.append((time.perf_counter() - started) * 1000)
            cold_trips.append(answered() - before)
            assert status == 200, status
    cache = cloud.state_dir / "bench-cache"
    shutil.rmtree(cache, ignore_errors=True)
    Session.from_outputs(outputs_file, cache=SessionCache(cache)).login("bench", PASSWORD)
    warm_trips = []
    script = Path(sys.executable).parent / "groupgate"
    say(f"client: warm call's round trips, {runs} times")
    for _ in range(runs):
        before = answered()
        subprocess.run(  # noqa: S603 - the console script, as a person runs it
            [str(script), "--outputs", str(outputs_file), "call", "GET", "/"],
            env={**os.environ, "GROUPGATE_CACHE_DIR": str(cache)}, capture_output=True, check=True,
        )  # fmt: skip
        warm_trips.append(answered() - before)
    session = Session.from_outputs(outputs_file, cache=SessionCache(cache), username="bench")
    auth, http = session.auth(), requests.Session()
    count = 300

    def throughput(signed: bool) -> float:
        started = time.perf_counter()
        for _ in range(count):
            http.get(api, auth=auth if signed else None, timeout=10)
        return count / (time.perf_counter() - started)

    say("client: signed and unsigned throughput")
    signed_rps = [throughput(True) for _ in range(3)]
    unsigned_rps = [throughput(False) for _ in range(3)]
    prepared = requests.Request("GET", api).prepare()
    started = time.perf_counter()
    for _ in range(1000):
        auth(prepared.copy())
    sign_us = (time.perf_counter() - started) * 1000

    return [
        *_warm_and_trips(cloud, outputs_file, cache, session, max(15, runs)),
        Row("client", "cold: sign-in (SRP), GetId, credentials, call", spread(cold_times, "ms", 0)),
        Row("client", "cold: round trips, every listener", f"{statistics.median(cold_trips):.0f}", target="5",
            verdict="met" if set(cold_trips) == {5} else "missed"),
        Row("client", "warm call: round trips, every listener", f"{statistics.median(warm_trips):.0f}",
            target="exactly 1", verdict="met" if set(warm_trips) == {1} else "missed"),
        Row("client", "signed GET (200), one keep-alive session", spread(signed_rps, "req/s", 0), "unsigned (403)",
            f"{statistics.median(signed_rps) / statistics.median(unsigned_rps):.2f}x"),
        Row("client", "unsigned GET (403)", spread(unsigned_rps, "req/s", 0)),
        Row("client", "SigV4 signing cost (requests-aws4auth)", f"{sign_us:.0f} us per request"),
    ]  # fmt: skip


def _warm_and_trips(cloud: Any, outputs_file: Path, cache: Path, session: Session, runs: int) -> list[Row]:
    """The warm call beside awscurl, what it still imports, and the round trips of sign-in, re-login and renewal
    (bench/client.py)."""
    from bench import client  # noqa: PLC0415

    say(f"client: warm groupgate call and awscurl, interleaved, {runs} times each")
    times = client.warm_against_awscurl(outputs_file, cache, session, runs)
    ratio = statistics.median(times["groupgate"]) / statistics.median(times["awscurl"])
    rows = [
        Row("client", "warm groupgate call GET / from a new process", spread(times["groupgate"], "ms", 0),
            "awscurl, the same signed call", f"{ratio:.2f}x", "<= 0.7x", "met" if ratio <= 0.7 else "missed"),
        Row("client", "awscurl GET / (temporary credentials), a new process", spread(times["awscurl"], "ms", 0)),
    ]  # fmt: skip
    profile = client.import_profile(outputs_file, cache)
    total = sum(micros for _, micros in profile)
    shown = ", ".join(f"{name} {micros / 1000:.1f}" for name, micros in profile[:12])
    rows.append(Row("client", "warm call: import time left, by package (ms, self)", f"{total / 1000:.0f} ms: {shown}"))
    say("client: sign-in, re-login and renewal, in round trips")
    for step in client.round_trips(outputs_file, "bench", PASSWORD, lambda: sum(cloud.requests_answered().values())):
        value = f"{step['trips']} ({step['ms']:.0f} ms)"
        verdict = "" if step["status"] == 200 else f"HTTP {step['status']}"
        rows.append(Row("client", f"{step['what']}, then one call: round trips", value, verdict=verdict))
    return rows


def load_figures(outputs: dict[str, str], cloud: Any) -> list[Row]:

    session = Session.from_outputs(
        cloud.state_dir / "outputs.json", cache=SessionCache(cloud.state_dir / "bench-cache"), username="bench"
    )
    credentials = session.credentials()
    env = {**os.environ, "AWS_ACCESS_KEY_ID": credentials.access_key_id,
           "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key, "AWS_SESSION_TOKEN": credentials.session_token,
           "AWS_REGION": outputs["Region"]}  # fmt: skip
    rows = []
    for concurrency, total in ((1, 600), (8, 2400), (32, 3200)):
        rps = {}
        for path in ("", "me"):  # GET /, the MOCK, then GET /me, a Lambda proxy in warm environments
            say(f"local cloud: {total} signed GET /{path} from {concurrency} concurrent clients (a second process)")
            done = subprocess.run(  # noqa: S603 - our load generator, in a process of its own
                [sys.executable, "-m", "bench.load", outputs["ApiUrl"] + path, str(concurrency), str(total)],
                env=env, capture_output=True, text=True, check=True, cwd=ROOT,
            )  # fmt: skip
            result = json.loads(done.stdout)
            rps[path] = result["rps"]
            statuses = "all 200" if set(result["statuses"]) == {"200"} else f"statuses {result['statuses']}"
            rows.append(Row("local cloud", f"signed GET /{path} at {concurrency} concurrent",
                            f"{result['rps']:.0f} req/s; p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms",
                            verdict=statuses))  # fmt: skip
        ratio = rps["me"] / rps[""]
        rows.append(Row("local cloud", f"GET /me vs GET / at {concurrency} concurrent", f"{ratio:.2f}x",
                        "GET /", f"{ratio:.2f}x", ">= 0.25x", "met" if ratio >= 0.25 else "missed"))  # fmt: skip
    return rows


def deploy_times(runs: int) -> list[Row]:

    times = []
    say(f"local cloud: start to deployed, {runs} times")
    for _ in range(runs):
        started = time.perf_counter()
        with LocalCloud(
            ROOT / "template.yaml", state_dir=STATE / "deploy", build_dir=BUILD, out=lambda _: None
        ) as cloud:
            cloud.deploy()
            times.append(time.perf_counter() - started)
    return [Row("local cloud", "start to deployed (template.yaml)", spread(times, "s", 2))]


def sam_rows(runs: int) -> list[Row]:
    """The SAM CLI's deploy and delete into the local cloud and into ministack (bench/sam_deploy.py)."""
    from bench import sam_deploy  # noqa: PLC0415 - the SAM CLI and ministack only for these rows

    times, checks = sam_deploy.figures(runs)
    median = {name: statistics.median(values) for name, values in times.items()}

    def row(measure: str, name: str, baseline: str = "", of: str = "", target: float | None = None) -> Row:
        ratio = median[name] / median[of] if of else 0.0
        verdict = ("met" if ratio <= target else "missed") if target is not None else ""
        return Row("sam deploy", measure, spread(times[name], "s", 2), baseline, f"{ratio:.2f}x" if of else "",
                   f"<= {target:g}x" if target is not None else "", verdict)  # fmt: skip

    rows = [
        row("groupgate local start's own deploy (baseline)", "own"),
        row("sam deploy into local start --empty (SAM CLI defaults)", "ours deploy", "own deploy", "own"),
        row("sam deploy, SAM_CLI_POLL_DELAY=0.5", "ours-fast-poll deploy", "own deploy", "own", 3),
        row("sam deploy into ministack (SAM CLI defaults)", "ministack deploy"),
        row("sam deploy: local cloud vs ministack", "ours deploy", "ministack", "ministack deploy", 1),
        row("sam deploy of a one-parameter update into local start", "ours update", "its own create", "ours deploy", 1),
        row("sam deploy of the update into ministack", "ministack update", "its own create", "ministack deploy"),
        row("sam update: local cloud vs ministack", "ours update", "ministack", "ministack update", 1),
        row("sam delete into local start", "ours delete"),
        row("sam delete into ministack", "ministack delete"),
        row("sam delete: local cloud vs ministack", "ours delete", "ministack", "ministack delete", 1),
    ]
    for name, found in checks.items():
        passed = [check for check, result in found.items() if result == "yes"]
        failed = [check for check, result in found.items() if result != "yes"]
        shown = f"{len(passed)} of {len(found)}" + (f"; not: {'; '.join(failed)}" if failed else "")
        shown_name = name.replace("ours", "the local cloud")
        what = "update checks" if name.endswith(" update") else "IAM flow checks"
        rows.append(Row("sam deploy", f"{what} on {shown_name.removesuffix(' update')}'s stack", shown))
    return rows


def sam_local_rows(runs: int) -> list[Row]:
    """The real sam local invoke, warm, beside groupgate local invoke of the same event (bench/sam_local.py)."""
    from bench import sam_local  # noqa: PLC0415 - Docker and the SAM CLI only for these rows

    try:
        times = sam_local.figures(runs)
    except RuntimeError as error:
        return [Row("sam local", f"not measured: {error}", "")]
    median = {name: statistics.median(values) for name, values in times.items()}
    rows = []
    for function in sam_local.EVENTS:
        ours, theirs = f"groupgate local invoke {function}", f"sam local invoke {function}"
        rows.append(Row("sam local", f"{theirs}, warm (arm64)", spread(times[theirs], "s", 2)))
        rows.append(Row("sam local", f"{ours}, in-process", spread(times[ours], "s", 2), theirs,
                        f"{median[ours] / median[theirs]:.2f}x"))  # fmt: skip
    rows.append(
        Row("sam local", "make sam-local, daemon and image ready", spread(times["make sam-local, ready"], "s", 2))
    )
    return rows


# ---------------------------------------------------------------- the table
def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    memory = next(
        (line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), "?"
    )
    return (f"{os.cpu_count()} cores ({cpu}), {int(memory) / 1024 / 1024:.0f} GiB, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()} (bench and local cloud)")  # fmt: skip


def table(rows: list[Row], markdown: bool) -> str:
    header = ["section", "measure", "median (min-max)", "baseline", "ratio", "target", "verdict"]
    cells = [header] + [[r.section, r.measure, r.value, r.baseline, r.ratio, r.target, r.verdict] for r in rows]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(c) + " |" for c in cells[1:]]
        return "\n".join(lines)
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    return "\n".join("  ".join(c[i].ljust(widths[i]) for i in range(len(header))).rstrip() for c in cells)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15, help="runs per cold-start case (at least 15 for the record)")
    parser.add_argument("--markdown", action="store_true", help="print the table as BENCHMARKS.md records it")
    parser.add_argument("--json", type=Path, default=STATE / "last.json", help="where to keep the raw rows")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=SECTIONS, help="measure only these sections")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    sam_runs = int(os.environ.get("SAM_BENCH_RUNS", "3"))
    rows = cold_starts(args.runs) if "cold" in args.only else []
    rows += package_sizes() if "sizes" in args.only else []
    rows += deploy_times(max(3, args.runs // 3)) if "deploy" in args.only else []
    rows += sam_rows(sam_runs) if "sam" in args.only else []
    rows += sam_local_rows(sam_runs) if "sam-local" in args.only else []
    if {"client", "load"} & set(args.only):
        with LocalCloud(ROOT / "template.yaml", state_dir=STATE / "cloud", parameters=UNTHROTTLED, build_dir=BUILD,
                        out=lambda _: None) as cloud:  # fmt: skip
            outputs = cloud.deploy()
            rows += client_figures(cloud, outputs, max(5, args.runs // 2)) if "client" in args.only else []
            rows += load_figures(outputs, cloud) if "load" in args.only else []
    print(f"groupgate benchmarks: {machine()}; took {time.perf_counter() - started:.0f} s\n")
    print(table(rows, args.markdown))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"machine": machine(), "rows": [asdict(r) for r in rows]}, indent=1))
    return 0 if all(r.verdict != "missed" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
