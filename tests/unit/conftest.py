"""The unit suite never reaches AWS: its credentials are fake, and Cognito is a moto server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.cognito import ENDPOINT_VARIABLE, MotoCognito, Pool, cognito_client, make_pool

APIGATEWAY_VARIABLE = "AWS_ENDPOINT_URL_API_GATEWAY"

FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "GROUP_NAME": "exgroup",
    "POWERTOOLS_METRICS_NAMESPACE": "groupgate",
}


@pytest.fixture(scope="package", autouse=True)
def fake_aws() -> Iterator[None]:
    """The functions' settings and fake credentials, for this package's tests only."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in FAKE_AWS.items():
            patch.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", ENDPOINT_VARIABLE, APIGATEWAY_VARIABLE):
            patch.delenv(name, raising=False)
        yield


@pytest.fixture(scope="package")
def cognito_endpoint(fake_aws: None) -> Iterator[str]:
    """A moto server for this package; the trigger's module-level client is made against it."""
    server = MotoCognito()
    endpoint = server.start()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ENDPOINT_VARIABLE, endpoint)
        yield endpoint
    server.stop()


@pytest.fixture(scope="package")
def apigateway_endpoint(cognito_endpoint: str) -> Iterator[str]:
    """The same moto server as API Gateway's endpoint for the custom resource's client, made anew against it."""
    from cloudwatch_role import app

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(APIGATEWAY_VARIABLE, cognito_endpoint)
        app.apigateway.cache_clear()
        yield cognito_endpoint
    app.apigateway.cache_clear()


@pytest.fixture
def pool(cognito_endpoint: str) -> Pool:
    """A fresh user pool (moto keeps pools apart by id) with the group the trigger fills."""
    return make_pool(cognito_client(cognito_endpoint), FAKE_AWS["GROUP_NAME"])
