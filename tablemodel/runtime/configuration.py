"""Where the generated models point: the table name, region, endpoint and chunk budget, set
by `configure()` and checked before the first request (`NotConfiguredError`).
"""

from __future__ import annotations

import os
import weakref
from typing import Any

from botocore.exceptions import BotoCoreError
from botocore.session import get_session
from pynamodb.models import Model
from pynamodb.settings import get_settings_value

from tablemodel.runtime import chunked
from tablemodel.runtime.errors import NotConfiguredError
from tablemodel.runtime.specs import UNSET, EntitySpec, TableSpec, Unset

__all__ = ["configure", "ensure_configured", "ready", "root_model"]


def configure(
    base: type[Model],
    table: TableSpec,
    *,
    table_name: str | Unset | None = UNSET,
    region: str | Unset | None = UNSET,
    endpoint_url: str | Unset | None = UNSET,
    chunk_budget: int | Unset | None = UNSET,
) -> None:
    """Point the generated models at a table: each setting given replaces the current one.

    Without a table name (never given, or given as None) the environment variable the generated
    module names (`<TABLE>_TABLE_NAME`) is read when the models are first used. Region and
    endpoint fall back to botocore's own resolution (`AWS_DEFAULT_REGION`,
    `AWS_ENDPOINT_URL_DYNAMODB`, config files). Open connections are dropped so the next call
    uses the new settings. `chunk_budget` is the largest item chunked records write (None:
    409,600; lower it for moto, which refuses items above 405,000 by its own measure).
    """
    meta: Any = base.Meta
    if not isinstance(table_name, Unset):
        meta.table_name = table_name or None
    if not isinstance(region, Unset):
        meta.region = region
    if not isinstance(endpoint_url, Unset):
        meta.host = endpoint_url
    if not isinstance(chunk_budget, Unset):
        chunked.set_chunk_budget(base, chunk_budget)
    _region_found.discard(base)
    for cls in _model_classes(base):
        cls._connection = None


# Table models whose region was found (until configure() changes a setting).
_region_found: weakref.WeakSet[type[Model]] = weakref.WeakSet()


def ensure_configured(base: type[Model], table: TableSpec) -> None:
    """Raise `NotConfiguredError` when no table name or no region is set (before any request).

    The region is resolved as PynamoDB and botocore would resolve it, without a request:
    `configure(region=...)`, PynamoDB's settings file, then botocore's configuration
    (`AWS_DEFAULT_REGION`, the profile's `region` in the config file).
    """
    meta: Any = base.Meta
    if not getattr(meta, "table_name", None):
        env = os.environ.get(table.table_name_env)
        if not env:
            msg = (
                f"no table name for the `{table.model_name}` models: set the environment "
                f"variable {table.table_name_env} or call configure(table_name=...)"
            )
            raise NotConfiguredError(msg)
        configure(base, table, table_name=env)
    if base in _region_found:
        return
    if getattr(meta, "region", None) or get_settings_value("region"):
        _region_found.add(base)
        return
    try:
        region = get_session().get_config_variable("region")
    except BotoCoreError:
        return  # a broken profile: botocore says what is wrong at the first request
    if not region:
        hint = (
            " (AWS_REGION is set, but botocore does not read it)"
            if os.environ.get("AWS_REGION")
            else ""
        )
        msg = (
            f"no region for the `{table.model_name}` models: call configure(region=...), set "
            f"the environment variable AWS_DEFAULT_REGION{hint}, or set `region` for your "
            "profile in ~/.aws/config"
        )
        raise NotConfiguredError(msg)
    _region_found.add(base)


def root_model(cls: type[Model]) -> type[Model]:
    """The generated table model an entity class derives from: the first class below
    PynamoDB's `Model` that declares the table (its own `Meta`)."""
    for klass in reversed(cls.__mro__):
        if (
            isinstance(klass, type)
            and issubclass(klass, Model)
            and klass is not Model
            and "Meta" in vars(klass)
        ):
            return klass
    return cls


def ready(cls: type[Model], spec: EntitySpec) -> None:
    """`ensure_configured` for the table model of the entity class ``cls``."""
    ensure_configured(root_model(cls), spec.table)


def _model_classes(base: type[Model]) -> list[type[Model]]:
    out = [base]
    for cls in out:
        out.extend(c for c in cls.__subclasses__() if c not in out)
    return out
