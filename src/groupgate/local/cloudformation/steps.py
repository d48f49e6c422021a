"""How the CloudFormation engine takes steps over a stack's resources: each once what it depends on is done,
several at a time, as CloudFormation creates, updates and deletes independent resources at once; and how a
failed step is said in an event."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from groupgate.local.apigateway.restapis import DefinitionError
from groupgate.local.awslambda.functions import LambdaError
from groupgate.local.cloudformation.resources.base import DeployError, HandlerRefusal
from groupgate.local.cloudformation.template import TemplateError

# What a resource's create, update or delete may fail with: said in its event (``reason``), never raised on.
FAILURES = (DeployError, TemplateError, LambdaError, DefinitionError)
WORKERS = 8  # resources created or deleted at once (CloudFormation does not document its own number)


def in_order(names: Sequence[str], prerequisites: Mapping[str, set[str]], act: Callable[[str], bool]) -> list[str]:
    """Act on each name once its prerequisites (among ``names``) are done, several at a time, as CloudFormation
    creates and deletes independent resources at once; after a failure nothing new starts, and what runs
    finishes. Returns the names whose act failed."""
    pending, done, failed = list(names), set[str](), list[str]()
    running: dict[Future[bool], str] = {}
    wanted = set(names)
    with ThreadPoolExecutor(WORKERS, thread_name_prefix="cloudformation-resource") as pool:
        while pending or running:
            if not failed:
                for name in [n for n in pending if prerequisites.get(n, set()) & wanted <= done]:
                    pending.remove(name)
                    running[pool.submit(act, name)] = name
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                name = running.pop(future)
                if future.result():
                    done.add(name)
                else:
                    failed.append(name)
    return failed


def reason(name: str, kind: str, error: Exception) -> str:
    message = str(error)
    return message if message.startswith(name) or isinstance(error, HandlerRefusal) else f"{name} ({kind}): {message}"
