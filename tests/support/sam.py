"""The real SAM CLI (``.tools/sam``) against a local cloud started with ``--empty``, as a person runs it: the
endpoint through ``AWS_ENDPOINT_URL``, any credentials, the cloud's region, ``samconfig.toml`` as shipped."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from groupgate.local.process import Running, start
from support.events import ROOT
from support.local_cloud import BUILD_DIR, admin
from support.tools import python313_dir, tool


@dataclass
class SamCloud:
    """A local cloud in a process of its own, and what the SAM CLI needs to talk to it."""

    running: Running
    home: Path

    @property
    def endpoint(self) -> str:
        return self.running.outputs["Endpoint"]

    @property
    def region(self) -> str:
        return self.running.outputs["Region"]

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "PATH": f"{python313_dir()}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(self.home),  # the SAM CLI's own settings and caches, apart from the person's
            "SAM_CLI_TELEMETRY": "0",
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }

    def sam(self, *argv: str, cwd: Path = ROOT, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(tool("sam", "sam")), *argv], cwd=cwd, env=self.environment(), capture_output=True, text=True,
            timeout=timeout, check=False,
        )  # fmt: skip

    def outputs(self, stack: str) -> dict[str, str]:
        """The stack's Outputs from DescribeStacks, with the endpoint, as an outputs file has them."""
        described = admin(self.running.outputs, "cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
        found = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        return {**self.running.outputs, "StackName": stack, **found}

    def client(self, service: str) -> Any:
        return admin(self.running.outputs, service)


@contextmanager
def sam_cloud(state: Path, *, cloudwatch_role: bool = False) -> Iterator[SamCloud]:
    """``groupgate local start --empty`` in a process of its own (its layers' builds shared with the others): a
    fresh account, or (``cloudwatch_role``) one whose API Gateway settings already have a CloudWatch Logs role."""
    state.mkdir(parents=True, exist_ok=True)
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    (state / "build").symlink_to(BUILD_DIR)
    running = start(state, cwd=ROOT, empty=True, cloudwatch_role=cloudwatch_role)
    try:
        home = state / "home"
        home.mkdir()
        yield SamCloud(running, home)
    finally:
        running.stop()


def build(cloud: SamCloud, project: Path = ROOT) -> None:
    """``sam build`` of ``project``, into its .aws-sam/build, where ``sam deploy`` (run in ``project``, so that
    it reads the samconfig.toml there) takes the built template from."""
    done = cloud.sam("build", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr


def copy_project(tmp: Path, template_text: str) -> Path:
    """A copy of the project with another template, its code and samconfig.toml as they are."""
    folder = tmp / "project"
    folder.mkdir()
    for name in ("functions", "layers"):
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "samconfig.toml", folder / "samconfig.toml")
    (folder / "template.yaml").write_text(template_text)
    return folder
