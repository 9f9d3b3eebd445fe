"""Dummy credentials for benchmarks that run on moto or DynamoDB Local (never real AWS)."""

from __future__ import annotations

import os

DUMMY = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def use_dummy_credentials() -> None:
    """Set dummy credentials and a region where the environment has none."""
    for name, value in DUMMY.items():
        os.environ.setdefault(name, value)
