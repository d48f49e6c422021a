"""Settings every suite shares. Nothing here touches the environment: the unit suite fakes AWS for itself
(tests/unit/conftest.py), and the deployed-stack suites use the caller's real AWS settings.

Property-based tests run briefly by default (CI); HYPOTHESIS_PROFILE=long runs them for real.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
