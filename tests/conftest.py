"""Shared test settings: Hypothesis profiles (the CI profile runs more examples, derandomised)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile(
    "ci", max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# Scripts are run as programs by the tests (in a subprocess); importing them for doctests would run them too.
collect_ignore = ["scripts"]
