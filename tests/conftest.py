"""Nothing here touches the environment: the unit suite fakes AWS for itself (tests/unit/conftest.py),
and the deployed-stack suite uses the caller's real AWS settings."""
