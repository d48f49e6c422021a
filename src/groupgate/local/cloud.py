"""The local cloud: one endpoint for every AWS API it serves (CloudFormation, Cognito, IAM, STS, S3), the
functions and the APIs of every stack deployed into it, in one process on 127.0.0.1.

    with LocalCloud(Path("template.yaml"), state_dir=Path(".local")) as cloud:
        outputs = cloud.deploy()          # the template as stack "groupgate"; also in .local/outputs.json
        ...                               # any AWS client, pointed at outputs["Endpoint"]

Stacks can also be deployed through its CloudFormation API, by the SAM CLI or the AWS CLI, as into an
account (``groupgate local start --empty`` starts one with none).
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from groupgate.local.statedir import StateDirLock

ACCOUNT_ID = "123456789012"  # moto's account: every ARN the local cloud makes names it
CLOUDWATCH_ROLE = "apigateway-cloudwatch-logs"  # ``--cloudwatch-role``'s: the account's role before any stack


class LocalCloud:
    def __init__(
        self,
        template: Path,
        *,
        state_dir: Path,
        parameters: Mapping[str, str] | None = None,
        stack_name: str = "groupgate",
        region: str = "us-east-1",
        host: str = "127.0.0.1",
        port: int = 0,
        api_port: int = 0,
        build_dir: Path | None = None,
        out: Callable[[str], None] | None = None,
        browser_origins: Iterable[str] = (),
        clock: Callable[[], float] = time.time,
        cloudwatch_role: bool = False,
    ) -> None:
        self.template = template.resolve()
        self.state_dir = state_dir.resolve()
        self.build_dir = (build_dir or state_dir / "build").resolve()
        self.parameters = dict(parameters or {})
        self.stack_name, self.region, self.host, self.port, self.api_port = stack_name, region, host, port, api_port
        self.out: Callable[[str], None] = out or _print
        self.outputs: dict[str, str] = {}
        self.browser_origins = set(browser_origins)  # pages allowed at the endpoint besides the APIs' origins
        self.clock = clock  # Cognito's clock (lockouts, sessions, codes, token lifetimes): tests move it
        self.cloudwatch_role = cloudwatch_role  # start as an account whose API Gateway has a CloudWatch Logs role
        self._listeners: list[Any] = []  # the endpoint's
        self._apis: dict[str, Any] = {}  # each REST API's listener, by API id
        self._clients: dict[tuple[str, str], Any] = {}
        self._clients_lock = threading.Lock()
        self._lock = StateDirLock(self.state_dir)

    # ------------------------------------------------------------ lifetime
    def start(self) -> None:
        # Before moto builds its IAM backend: AWS managed policies (AWSLambdaBasicExecutionRole ...) must exist.
        os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        from moto.moto_api._internal.models import moto_api_backend  # noqa: PLC0415 - moto only with the extra

        from groupgate.local import moto_fixes  # noqa: PLC0415
        from groupgate.local.apigateway.provider import ControlPlane  # noqa: PLC0415
        from groupgate.local.apigateway.restapis import RestApis  # noqa: PLC0415
        from groupgate.local.awslambda.functions import Lambdas  # noqa: PLC0415
        from groupgate.local.awslambda.provider import LambdaApi  # noqa: PLC0415
        from groupgate.local.cloudcontrol.provider import CloudControl  # noqa: PLC0415
        from groupgate.local.cloudformation.engine import Engine  # noqa: PLC0415
        from groupgate.local.cloudformation.provider import CloudFormation  # noqa: PLC0415
        from groupgate.local.cognitoidentity.provider import IdentityPools  # noqa: PLC0415
        from groupgate.local.cognitoidp.provider import UserPools  # noqa: PLC0415
        from groupgate.local.credentials import CredentialStore  # noqa: PLC0415
        from groupgate.local.logs import CloudWatchLogs  # noqa: PLC0415
        from groupgate.local.mail import Mailbox  # noqa: PLC0415
        from groupgate.local.server import (  # noqa: PLC0415
            ENDPOINT_BODY_LIMIT,
            AwsEndpoint,
            CustomResponseBox,
            EndpointRefusals,
            Listener,
        )

        self._lock.acquire()  # first: a second cloud on this state dir stops here, having touched nothing
        (self.state_dir / "outputs.json").unlink(missing_ok=True)  # a killed cloud's, naming ports long closed
        moto_fixes.apply()
        moto_api_backend.reset()  # a fresh cloud, whatever this process held before
        self.mailbox = Mailbox(self.state_dir / "mail")
        self.credentials = CredentialStore(ACCOUNT_ID)
        self.responses = CustomResponseBox()
        self.logs = CloudWatchLogs(account_id=ACCOUNT_ID, region=self.region)
        self.lambdas = Lambdas(
            state_dir=self.state_dir, region=self.region, account_id=ACCOUNT_ID, credentials=self.credentials,
            roles=self.role, warn=self.out, build_dir=self.build_dir, logs=self.logs.write,
        )  # fmt: skip
        self.user_pools = UserPools(
            account_id=ACCOUNT_ID, region=self.region, mailbox=self.mailbox, triggers=self.lambdas, clock=self.clock
        )
        self.identity_pools = IdentityPools(
            region=self.region, account_id=ACCOUNT_ID, user_pools=self, roles=self, credentials=self.credentials,
            clock=self.clock,
        )  # fmt: skip
        self.apis = RestApis(
            region=self.region, account_id=ACCOUNT_ID, keys=self.credentials.secret, role_of=self._role_of_key,
            policies=self.role_policies, log_dir=self.state_dir / "logs", issued=self.credentials.get,
            logs=self.logs.write_to, roles=self.role,
        )  # fmt: skip
        self.apis.functions = self.lambdas
        self.engine = Engine(
            self, region=self.region, account_id=ACCOUNT_ID, work_dir=self.build_dir / "unpacked",
            local_urls=self._local_url, progress=self.out,
        )  # fmt: skip
        cloudformation = CloudFormation(self.engine, self._fetch)
        endpoint = AwsEndpoint(
            region=self.region, account_id=ACCOUNT_ID, jwks=self.jwks, credentials=self.credentials,
            providers={"cognito-idp": self.user_pools, "cognito-identity": self.identity_pools,
                       "cloudcontrol": CloudControl(self.lambdas)},
            query_providers={"cloudformation": cloudformation}, apis=self.apis,
            responses=self.responses, origins=self._browser_origins,
            rest_providers={
                "lambda": LambdaApi(self.lambdas, fetch=self._fetch, work_dir=self.build_dir / "unpacked",
                                    roles=self.role),
                "apigateway": ControlPlane(self.apis, invoke_url=self._invoke_url),
            },
        )  # fmt: skip
        self.endpoint = Listener(
            endpoint, EndpointRefusals(), limit=ENDPOINT_BODY_LIMIT, host=self.host, port=self.port, moto_handler=True
        )
        self.endpoint.start()
        self._listeners.append(self.endpoint)
        self.responses.base_url = self.endpoint.url
        self.lambdas.endpoint_url = self.endpoint.url
        if self.cloudwatch_role:
            self._set_cloudwatch_role()

    def _set_cloudwatch_role(self) -> None:
        """Play an account that has used API Gateway logging: a role of its own (made outside any stack, as a
        person makes it in the console), trusted by API Gateway, set in the account's API Gateway settings."""
        iam = self.client("iam", self.region)
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                 "Principal": {"Service": "apigateway.amazonaws.com"}}]}  # fmt: skip
        role = iam.create_role(RoleName=CLOUDWATCH_ROLE, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
        iam.attach_role_policy(
            RoleName=CLOUDWATCH_ROLE,
            PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
        )
        self.apis.account.set_role(role["Arn"])

    def _warm_up(self) -> None:
        """Load what the first deploy would otherwise load on its way: the clients the CloudFormation engine
        calls through, and moto's applications behind them (about a second and a half of a first ``sam
        deploy``, which would otherwise share the machine with the SAM CLI's own start), and the resource
        schemas the first update plans with (0.7 s)."""
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        from groupgate.local.cloudformation import schemas  # noqa: PLC0415

        reads = {"s3": ("list_buckets", {}), "iam": ("list_roles", {"MaxItems": 1}),
                 "cognito-idp": ("list_user_pools", {"MaxResults": 1}),
                 "cognito-identity": ("list_identity_pools", {"MaxResults": 1}),
                 "logs": ("describe_log_groups", {})}  # fmt: skip
        for service, (read, arguments) in reads.items():
            try:
                getattr(self.client(service, self.region), read)(**arguments)
            except (BotoCoreError, ClientError, OSError):
                return  # the cloud is stopping; nothing is lost but the head start
        self.lambdas.interpreter("python3.13")  # the template's runtime: found once, before a function needs it
        schemas.create_only("AWS::Cognito::UserPool")

    def _browser_origins(self) -> set[str]:
        """The origins a browser may call the endpoint from: those the deployed APIs answer CORS for, and the
        web page's. Cognito itself answers any origin; the local control plane takes any credentials, so a
        page from elsewhere must not be able to call it while it runs."""
        return self.apis.allowed_origins() | self.browser_origins

    def stop(self) -> None:
        if hasattr(self, "lambdas"):
            self.lambdas.stop()
        for listener in [*self._apis.values(), *reversed(self._listeners)]:
            listener.stop()
        self._apis.clear()
        self._listeners.clear()
        if self._lock.held:  # outputs.json names ports nothing listens on any more; another cloud's stays
            (self.state_dir / "outputs.json").unlink(missing_ok=True)
            self._lock.release()

    def __enter__(self) -> LocalCloud:
        try:
            self.start()
        except BaseException:
            self.stop()  # what started before the failure stops with it
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # ------------------------------------------------------------ deploying
    def deploy(self) -> dict[str, str]:
        """Deploy the template from its source folders as stack ``stack_name``; returns (and writes to
        <state>/outputs.json) the endpoint and the stack's outputs. A failure rolls the stack back (as
        CloudFormation does) and raises the failed resource's reason."""
        from groupgate.local.cloudformation import template as stacks  # noqa: PLC0415
        from groupgate.local.cloudformation.resources.base import DeployError  # noqa: PLC0415

        source = stacks.load(self.template)
        prepared = self.engine.prepare(
            self.stack_name, self.template.read_text(), self.parameters, template_dir=self.template.parent,
            source=source,
        )  # fmt: skip
        record = self.engine.create_stack(
            self.stack_name, prepared, parameters=prepared.shown_parameters(), capabilities=prepared.capabilities,
            tags=[], wait=True,
        )  # fmt: skip
        if record.status != "CREATE_COMPLETE":
            failed = next((e for e in record.events if e["ResourceStatus"] == "CREATE_FAILED"), None)
            if failed is None:
                raise DeployError(record.reason or record.status)
            name, reason = failed["LogicalResourceId"], failed.get("ResourceStatusReason", "")
            raise DeployError(reason if reason.startswith(name) else f"{name} ({failed['ResourceType']}): {reason}")
        self.outputs = {
            **self.empty_outputs(),
            "StackName": self.stack_name,
            **{output["OutputKey"]: output["OutputValue"] for output in record.outputs},
        }
        self._write_outputs()
        return self.outputs

    def serve_empty(self) -> dict[str, str]:
        """No stack: outputs.json names the endpoint, the region and the account, for stacks deployed later;
        written once the cloud is warm, so that the first deploy into it is as quick as the next."""
        self._warm_up()
        self.outputs = self.empty_outputs()
        self._write_outputs()
        return self.outputs

    def empty_outputs(self) -> dict[str, str]:
        return {"Endpoint": self.endpoint.url, "Region": self.region, "AccountId": ACCOUNT_ID}

    def _local_url(self, value: str) -> str:
        """An API's AWS URL made its local one; the path (/<stage>/...) stays as AWS would see it."""
        for api_id, listener in self._apis.items():
            value = re.sub(rf"https://{api_id}\.execute-api\.{self.region}\.amazonaws\.com", listener.url, value)
        return value

    # ------------------------------------------------------------ what the CloudFormation engine asks of the cloud
    def client(self, service: str, region: str) -> Any:
        """A boto3 client at the local endpoint (the control plane takes any credentials), made once: making
        one costs a tenth of a second, and boto3's clients are safe to share between threads."""
        key = (service, region)
        with self._clients_lock:
            if key not in self._clients:
                self._clients[key] = self._new_client(service, region)
            return self._clients[key]

    def _new_client(self, service: str, region: str) -> Any:
        import boto3  # noqa: PLC0415
        from botocore.config import Config  # noqa: PLC0415

        return boto3.client(
            service,  # type: ignore[call-overload]
            region_name=region,
            endpoint_url=self.endpoint.url,
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - the local control plane accepts any credentials
            config=Config(retries={"max_attempts": 1}, read_timeout=60, s3={"addressing_style": "path"}),
        )

    def open_api(self, api_id: str) -> str:
        """A listener of its own for a new REST API (the first on ``api_port``, if one was asked for)."""
        from groupgate.local.server import API_BODY_LIMIT, ApiApplication, ApiRefusals, Listener  # noqa: PLC0415

        port = 0 if self._apis else self.api_port
        app, refusals = ApiApplication(self.apis, api_id), ApiRefusals(self.apis, api_id)
        listener = Listener(app, refusals, limit=API_BODY_LIMIT, host=self.host, port=port)
        listener.start()
        self._apis[api_id] = listener
        return listener.url

    def close_api(self, api_id: str) -> None:
        listener = self._apis.pop(api_id, None)
        if listener is not None:
            listener.stop()

    def _invoke_url(self, api_id: str, stage: str) -> str:
        """Where a stage answers: its API's own listener, or by its id on the endpoint."""
        listener = self._apis.get(api_id)
        if listener is not None:
            return f"{listener.url}/{stage}"
        return f"{self.endpoint.url}/restapis/{api_id}/{stage}/_user_request_"

    def _fetch(self, bucket: str, key: str) -> bytes:
        """An object of the local S3 (a TemplateURL's template)."""
        from groupgate.local.cloudformation.resources.base import call  # noqa: PLC0415

        answer = call(self.client("s3", self.region), "GetObject", "TemplateURL", Bucket=bucket, Key=key)
        body: bytes = answer["Body"].read()
        return body

    def requests_answered(self) -> dict[str, int]:
        """How many requests each listener has answered (the endpoint, then each API by its URL)."""
        return {listener.url: listener.requests for listener in [*self._listeners, *self._apis.values()]}

    def _write_outputs(self) -> None:
        path = self.state_dir / "outputs.json"
        partial = path.with_suffix(".json.partial")
        partial.write_text(json.dumps(self.outputs, indent=2) + "\n")
        os.replace(partial, path)  # readers never see half a file

    # ------------------------------------------------------------ what the parts ask of each other
    def jwks(self, pool_id: str) -> Mapping[str, Any] | None:
        from groupgate.local.moto_fixes import public_jwks  # noqa: PLC0415

        pool = self.user_pools.backend.user_pools.get(pool_id)
        return public_jwks(pool) if pool else None

    def id_token_active(self, pool_id: str, claims: Mapping[str, Any]) -> bool:
        return self.user_pools.id_token_active(pool_id, claims)

    def _iam(self) -> Any:
        from moto.iam.models import iam_backends  # noqa: PLC0415

        return iam_backends[ACCOUNT_ID]["aws"]

    def role(self, role_arn: str) -> tuple[str, str] | None:
        """A role's trust policy and id, from the local IAM."""
        found = next((r for r in self._iam().roles.values() if r.arn == role_arn), None)
        return (found.assume_role_policy_document, found.id) if found else None

    def role_policies(self, role_arn: str) -> list[Any]:
        """Every identity policy of a role: inline ones and the default versions of attached ones."""
        found = next((r for r in self._iam().roles.values() if r.arn == role_arn), None)
        if found is None:
            return []
        managed = [next(v.document for v in p.versions if v.is_default) for p in found.managed_policies.values()]
        return [*found.policies.values(), *managed]

    def _role_of_key(self, access_key_id: str) -> str | None:
        issued = self.credentials.get(access_key_id)
        return issued.role_arn if issued else None


def _print(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
