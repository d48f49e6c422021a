#!/usr/bin/env python3
"""What the real `sam local invoke` and `sam local start-lambda` need here, made from Debian and PyPI packages.

usage: scripts/sam_local.py up [--if-possible]   (make sam-local)
       scripts/sam_local.py stop                 (make sam-local-stop)
       scripts/sam_local.py env                  prints the export DOCKER_HOST=... line of a running daemon

`up` installs Debian's docker.io, qemu-user-static and mmdebstrap; registers qemu's arm64 handler with the
kernel (as Docker Desktop does on x86 machines) unless one is registered; starts a Docker daemon of the
project's own (socket .local/docker/docker.sock) that leaves the host's firewall and forwarding alone, whose
containers reach nothing outside this machine and whose name lookups fail at once; and loads the image SAM CLI
asks for, public.ecr.aws/lambda/python:3.13-arm64, built from lambda-image/ (Debian's Python 3.13, the AWS
Lambda runtime interface client and boto3 from PyPI). A built image is kept in ~/.cache/groupgate, named by the
hash of what went into it, so a second clone on the same machine loads it in seconds. A second `up` reuses the
daemon and the image.

`stop` stops the daemon it started, by its pid, removes the bridge it left, and undoes what `up` registered
on the host (the binfmt handler, the binfmt_misc mount) unless it was there before.

`--if-possible` (what `make test` uses): where a Docker engine cannot run here (not Linux, not root, no
namespaces), say why in .local/docker/unavailable and exit 0, so the tests skip with that reason; under CI=true
it fails instead, as the tests then do.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RECIPE = ROOT / "lambda-image"
STATE = ROOT / ".local" / "docker"
SOCKET = STATE / "docker.sock"
PIDFILE = STATE / "docker.pid"
HOST_CHANGES = STATE / "host-changes.json"
UNAVAILABLE = STATE / "unavailable"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "groupgate" / "lambda-images"
BINFMT = Path("/proc/sys/fs/binfmt_misc")
PACKAGES = ("docker.io", "qemu-user-static", "mmdebstrap")
# arch as SAM CLI and Docker name it: (Debian's name, the kernel's, pip's platform tag).
ARCHES = {"arm64": ("arm64", "aarch64", "manylinux2014_aarch64"), "x86_64": ("amd64", "x86_64", "manylinux2014_x86_64")}
IMAGE = "public.ecr.aws/lambda/python:3.13-{arch}"
KEY_LABEL = "org.groupgate.lambda-image.key"
RECIPE_VERSION = "1"  # bump when the build below changes what it makes
# The python3.13 image's environment, as Lambda documents its defined runtime variables.
IMAGE_ENV = [
    "LANG=en_US.UTF-8",
    "TZ=:/etc/localtime",
    "PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
    "LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
    "LAMBDA_TASK_ROOT=/var/task",
    "LAMBDA_RUNTIME_DIR=/var/runtime",
    "PYTHONPATH=/var/runtime",
]
SDK_FOLDER = "var/lang/lib/python3.13/site-packages"  # where the image keeps the runtime's boto3


class Unavailable(Exception):
    """A Docker engine cannot run on this machine; the message says why."""


def say(message: str) -> None:
    print(f"sam-local: {message}", file=sys.stderr, flush=True)


def run(*argv: str | Path, check: bool = True, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    done: subprocess.CompletedProcess[str] = subprocess.run([str(a) for a in argv], check=check, text=True, **kwargs)
    return done


def pip(*argv: str | Path) -> None:
    """pip, without the machine's pip configuration noise about local package folders that do not exist."""
    done = subprocess.run([sys.executable, "-m", "pip", *map(str, argv)], capture_output=True, text=True, check=False)
    noise = "WARNING: Location 'file:"
    sys.stderr.write("".join(line for line in done.stderr.splitlines(True) if not line.startswith(noise)))
    done.check_returncode()


def docker(*argv: str | Path, check: bool = True, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """The docker client, talking to our daemon's socket."""
    return run(shutil.which("docker") or "docker", "-H", f"unix://{SOCKET}", *argv, check=check, **kwargs)


# ---- the host: packages and the binfmt handler -------------------------------------------------------------


def check_machine() -> None:
    if sys.platform != "linux":
        raise Unavailable(f"a Docker engine of our own needs Linux; this is {sys.platform}")
    if os.geteuid() != 0:
        raise Unavailable("starting a Docker daemon needs root (run make sam-local as root)")
    if not Path("/proc/self/ns/net").exists():
        raise Unavailable("this kernel has no network namespaces, which containers need")


def ensure_packages() -> None:
    missing = [name for name in PACKAGES if not _installed(name)]
    if not missing:
        return
    say(f"installing {' '.join(missing)} (Debian)")
    command = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing]
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(command, env=environment, stdout=subprocess.DEVNULL, check=False).returncode != 0:
        run("apt-get", "update", "-q", env=environment, stdout=subprocess.DEVNULL)
        run(*command, env=environment, stdout=subprocess.DEVNULL)


def _installed(package: str) -> bool:
    found = subprocess.run(
        ["dpkg-query", "-W", "-f=${db:Status-Status}", package], capture_output=True, text=True, check=False
    )
    return found.stdout == "installed"


def ensure_binfmt(arch: str, changes: dict[str, bool]) -> None:
    """Let the kernel run ``arch`` binaries through qemu, with the fix-binary flag so containers can too."""
    kernel = ARCHES[arch][1]
    if platform.machine() == kernel:
        return
    if not (BINFMT / "register").exists():
        run("mount", "-t", "binfmt_misc", "binfmt_misc", BINFMT)
        changes["mounted_binfmt_misc"] = True
    entry = BINFMT / f"qemu-{kernel}"
    if entry.exists():
        if "F" not in _flags(entry):
            say(f"warning: {entry} was registered without the F flag; containers may not find qemu")
        return
    line = Path(f"/usr/lib/binfmt.d/qemu-{kernel}.conf").read_text().strip()
    (BINFMT / "register").write_text(line)
    changes[f"registered_qemu-{kernel}"] = True
    say(f"registered qemu-{kernel} with binfmt_misc (make sam-local-stop removes it)")


def _flags(entry: Path) -> str:
    for line in entry.read_text().splitlines():
        if line.startswith("flags:"):
            return line.partition(":")[2].strip()
    return ""


# ---- the daemon --------------------------------------------------------------------------------------------


def daemon_pid() -> int | None:
    """The pid of our daemon if it runs and answers on its socket."""
    try:
        pid = int(PIDFILE.read_text().strip())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return None
    answered = docker("version", "--format", "{{.Server.Version}}", capture_output=True, check=False, timeout=30)
    return pid if answered.returncode == 0 else None


def ensure_daemon(changes: dict[str, bool]) -> None:
    if daemon_pid() is not None:
        return
    STATE.mkdir(parents=True, exist_ok=True)
    if not Path("/sys/class/net/docker0").exists():
        changes["made_docker0"] = True
    command = [
        "dockerd", "--host", f"unix://{SOCKET}", "--data-root", str(STATE / "data"),
        "--exec-root", str(STATE / "exec"), "--pidfile", str(PIDFILE), "--storage-driver", "overlay2",
        # Leave the host's firewall and forwarding as they are: containers then reach this machine only.
        "--iptables=false", "--ip-forward=false", "--ip-masq=false",
        # A name lookup inside a container fails at once instead of trying to leave the machine.
        "--dns", "127.0.0.1",
    ]  # fmt: skip
    say("starting a Docker daemon of the project's own (log: .local/docker/dockerd.log)")
    # No registry either: a pull (SAM CLI without skip_pull_image) goes to a proxy on the loopback's discard
    # port and fails at once, instead of the daemon looking up public.ecr.aws.
    nowhere = "http://127.0.0.1:9"
    environment = {**os.environ, "HTTP_PROXY": nowhere, "HTTPS_PROXY": nowhere, "NO_PROXY": ""}
    with (STATE / "dockerd.log").open("ab") as log:
        subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, env=environment
        )
    deadline = time.monotonic() + 60
    while daemon_pid() is None:
        if time.monotonic() > deadline:
            tail = (STATE / "dockerd.log").read_text(errors="replace")[-2000:]
            raise Unavailable(f"the Docker daemon did not start within 60 s; its log ends:\n{tail}")
        time.sleep(0.3)


def stop() -> int:
    changes = _load_changes()
    pid = _pid_from_file()
    if pid is not None:
        try:
            os.kill(pid, signal.SIGTERM)
            say(f"stopping the Docker daemon (pid {pid})")
            for _ in range(100):
                os.kill(pid, 0)
                time.sleep(0.2)
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    PIDFILE.unlink(missing_ok=True)
    if changes.pop("made_docker0", False) and Path("/sys/class/net/docker0").exists():
        subprocess.run(["ip", "link", "delete", "docker0"], check=False)
    for key in [k for k in changes if k.startswith("registered_")]:
        entry = BINFMT / key.removeprefix("registered_")
        if entry.exists():
            entry.write_text("-1")
            say(f"removed {entry.name} from binfmt_misc")
        changes.pop(key)
    if changes.pop("mounted_binfmt_misc", False):
        subprocess.run(["umount", str(BINFMT)], check=False)
    HOST_CHANGES.unlink(missing_ok=True)
    return 0


def _pid_from_file() -> int | None:
    try:
        return int(PIDFILE.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def _load_changes() -> dict[str, bool]:
    try:
        return dict(json.loads(HOST_CHANGES.read_text()))
    except (FileNotFoundError, ValueError):
        return {}


def _save_changes(changes: dict[str, bool]) -> None:
    STATE.mkdir(parents=True, exist_ok=True)
    HOST_CHANGES.write_text(json.dumps(changes, indent=2) + "\n")


# ---- the image ---------------------------------------------------------------------------------------------


def recipe_key(arch: str) -> str:
    digest = hashlib.sha256(f"{RECIPE_VERSION}\0{arch}\0".encode())
    digest.update(Path(__file__).read_bytes())
    for path in sorted(RECIPE.iterdir()):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_image(arch: str) -> None:
    name, key = IMAGE.format(arch=arch), recipe_key(arch)
    label = f'{{{{index .Config.Labels "{KEY_LABEL}"}}}}'
    shown = docker("image", "inspect", name, "--format", label, capture_output=True, check=False)
    if shown.returncode == 0 and shown.stdout.strip() == key:
        return
    cached = CACHE / f"python3.13-{arch}-{key}.tar"
    if not cached.exists():
        say(f"building {name} from Debian and PyPI packages (once a machine: kept as {cached})")
        started = time.monotonic()
        build_image(arch, key, cached)
        say(f"built {name} in {time.monotonic() - started:.0f} s")
        for stale in CACHE.glob(f"python3.13-{arch}-*.tar"):  # images of recipes since changed
            if stale != cached:
                stale.unlink()
    docker("load", "--quiet", "--input", cached, stdout=subprocess.DEVNULL)


def _recipe(name: str) -> dict[str, str]:
    settings: dict[str, str] = {}
    for line in (RECIPE / name).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition(" ")
            settings[key] = value.strip()
    return settings


def build_image(arch: str, key: str, out: Path) -> None:
    debian_arch, _, pip_platform = ARCHES[arch]
    debian = _recipe("debian.txt")
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lambda-image-", dir=CACHE) as work_name:
        work = Path(work_name)
        rootfs = work / "root"
        rootfs.mkdir()
        # extract: the packages and their dependencies unpacked, no maintainer script run, so no emulation.
        run(
            "mmdebstrap", "--quiet", "--variant=extract", f"--architectures={debian_arch}",
            "--include=" + ",".join(debian["packages"].split()), debian["suite"], rootfs, debian["mirror"],
        )  # fmt: skip
        _finish_rootfs(rootfs, pip_platform)
        layer = work / "layer.tar"
        run("tar", "-C", rootfs, "--numeric-owner", "--sort=name", "-cf", layer, ".")
        _write_image_archive(layer, arch, key, work / "image.tar")
        (work / "image.tar").replace(out)


def _finish_rootfs(rootfs: Path, pip_platform: str) -> None:
    for name in ("bin", "sbin", "lib", "lib64"):  # Debian's merged /usr, which extract leaves to dpkg
        if not (rootfs / name).exists() and (rootfs / "usr" / name).is_dir():
            (rootfs / name).symlink_to(f"usr/{name}")
    for name in ("usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale", "usr/share/lintian",
                 "var/cache/apt", "var/lib/apt/lists"):  # fmt: skip
        shutil.rmtree(rootfs / name, ignore_errors=True)
    for folder in ("var/task", "opt", "var/lang/bin", SDK_FOLDER, "tmp"):
        (rootfs / folder).mkdir(parents=True, exist_ok=True)
    (rootfs / "tmp").chmod(0o1777)
    for link in ("python3.13", "python3", "python"):
        (rootfs / "var/lang/bin" / link).symlink_to("/usr/bin/python3.13")
    install = ["install", "--quiet", "--disable-pip-version-check", "--no-input", "--no-deps", "--no-compile",
               "--require-hashes", "--only-binary=:all:", "--platform", pip_platform, "--python-version", "3.13",
               "--implementation", "cp"]  # fmt: skip
    pip(*install, "--target", rootfs / "var/runtime", "-r", RECIPE / "runtime-interface-client.txt")
    pip(*install, "--target", rootfs / SDK_FOLDER, "-r", RECIPE / "sdk.txt")
    # The runtime's libraries on every interpreter's path, as they are for Lambda's own /var/lang python.
    (rootfs / "usr/lib/python3/dist-packages").mkdir(parents=True, exist_ok=True)
    (rootfs / "usr/lib/python3/dist-packages/lambda-runtime.pth").write_text(f"/{SDK_FOLDER}\n")
    for name in ("bootstrap", "bootstrap.py"):
        shutil.copy(RECIPE / name, rootfs / "var/runtime" / name)
    (rootfs / "var/runtime/bootstrap").chmod(0o755)
    _compile(rootfs)


def _compile(rootfs: Path) -> None:
    """Byte-compile the image's Python once here: under emulation every cold start would compile it again."""
    found = subprocess.run([ROOT / "scripts/find-python313"], capture_output=True, text=True, check=False)
    if found.returncode != 0:
        say("no python3.13 here to byte-compile the image with; its first imports will be slower")
        return
    python = Path(found.stdout.strip()) / "python3.13"
    folders = [rootfs / "usr/lib/python3.13", rootfs / "var/runtime", rootfs / SDK_FOLDER]
    subprocess.run(
        [python, "-m", "compileall", "-q", "-j0", "-s", rootfs, "-p", "/", *folders],
        stdout=subprocess.DEVNULL, check=False,
    )  # fmt: skip


def _write_image_archive(layer: Path, arch: str, key: str, out: Path) -> None:
    """A `docker load` archive of one layer: unlike `docker import`, it can say the image is arm64."""
    layer_digest = _sha256(layer)
    config = {
        "architecture": arch if arch == "arm64" else "amd64",
        "os": "linux",
        "config": {"Env": IMAGE_ENV, "WorkingDir": "/var/task", "Entrypoint": ["/var/runtime/bootstrap"],
                   "Labels": {KEY_LABEL: key}},
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{layer_digest}"]},
        "history": [{"created_by": "scripts/sam_local.py from lambda-image/"}],
    }  # fmt: skip
    config_bytes = json.dumps(config, sort_keys=True).encode()
    config_name = f"{hashlib.sha256(config_bytes).hexdigest()}.json"
    manifest = [{"Config": config_name, "RepoTags": [IMAGE.format(arch=arch)], "Layers": [f"{layer_digest}/layer.tar"]}]
    with tarfile.open(out, "w") as archive:
        for name, data in ((config_name, config_bytes), ("manifest.json", json.dumps(manifest).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        archive.add(layer, arcname=f"{layer_digest}/layer.tar")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---- the commands ------------------------------------------------------------------------------------------


def up(if_possible: bool, arches: list[str]) -> int:
    started = time.monotonic()
    try:
        check_machine()
        ensure_packages()
        changes = _load_changes()
        try:
            for arch in arches:
                ensure_binfmt(arch, changes)
            ensure_daemon(changes)
        finally:
            _save_changes(changes)
        for arch in arches:
            ensure_image(arch)
    except (Unavailable, subprocess.CalledProcessError, OSError) as error:
        reason = str(error)
        if not if_possible or os.environ.get("CI") == "true":
            say(f"cannot run sam local here: {reason}")
            return 1
        STATE.mkdir(parents=True, exist_ok=True)
        UNAVAILABLE.write_text(reason + "\n")
        say(f"a Docker engine cannot run here, so the sam local tests will skip: {reason}")
        return 0
    UNAVAILABLE.unlink(missing_ok=True)
    say(f"ready in {time.monotonic() - started:.1f} s: {', '.join(IMAGE.format(arch=a) for a in arches)}")
    print(f"export DOCKER_HOST=unix://{SOCKET}")
    return 0


def main(argv: list[str]) -> int:
    command, options = (argv[0] if argv else "up"), argv[1:]
    arches = os.environ.get("SAM_LOCAL_ARCHES", "arm64").split()
    if command == "up":
        return up("--if-possible" in options, arches)
    if command == "stop":
        return stop()
    if command == "env":
        if daemon_pid() is None:
            say("no daemon of ours is running: make sam-local starts one")
            return 1
        print(f"export DOCKER_HOST=unix://{SOCKET}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
