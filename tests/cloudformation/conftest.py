"""The CloudFormation tests' account: one empty local cloud for the module, reached through boto3."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.cloudformation import Account
from support.local_cloud import admin, empty


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Account]:
    with empty(tmp_path_factory.mktemp("cfn")) as (cloud, outputs):
        yield Account(outputs, admin(outputs, "cloudformation"), admin(outputs, "iam"), admin(outputs, "s3"), cloud)
