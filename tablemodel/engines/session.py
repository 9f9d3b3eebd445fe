"""Where `check --run` sends its requests: moto in-process, DynamoDB Local, or an endpoint.

Every engine problem becomes one `EngineFault` with a one-line message (exit code 2 on the
command line): the engine cannot be reached or started, a table exists already, the engine
throttles beyond the retries. Credentials for the two local engines are dummies, set only for
the duration of the session and restored afterwards; an endpoint uses the caller's own.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
from collections.abc import Iterator
from typing import Any, Literal
from urllib.parse import urlparse

from tablemodel.diagnostics import TableModelError
from tablemodel.engines.guard import endpoint_refusal
from tablemodel.records import record

__all__ = [
    "ENGINES",
    "EngineFault",
    "EngineSession",
    "check_reach",
    "describe_fault",
    "engine_session",
]

EngineKind = Literal["moto", "dynamodb-local", "endpoint"]
ENGINES: tuple[str, ...] = ("moto", "dynamodb-local", "endpoint")

_DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "tablemodel",
    "AWS_SECRET_ACCESS_KEY": "tablemodel",
    "AWS_SESSION_TOKEN": "tablemodel",
}
_CLEARED = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB")
_THROTTLING = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "LimitExceededException",
}


class EngineFault(TableModelError):
    """The engine, not the model, stopped the run; the message says what to do."""


@record
class EngineSession:
    """An engine ready for requests: its name and the endpoint to send them to."""

    name: str
    endpoint_url: str | None
    region: str


@contextlib.contextmanager
def engine_session(
    kind: str = "moto",
    *,
    endpoint_url: str | None = None,
    allow_aws: bool = False,
    region: str | None = None,
) -> Iterator[EngineSession]:
    """Start (or reach) the engine, yield it, and stop it again.

    An endpoint that is not this machine's loopback, or AWS itself, is refused before any
    request unless `allow_aws` (`check_reach`).
    """
    kind = check_reach(kind, endpoint_url=endpoint_url, allow_aws=allow_aws)
    if kind == "moto":
        import moto  # noqa: PLC0415  (only runs on moto pay for importing it)

        with _local_environment(region or "us-east-1"), moto.mock_aws():
            yield EngineSession("moto", None, region or "us-east-1")
        return
    if kind == "dynamodb-local":
        from tablemodel.engines import DynamoDBLocal, EngineError  # noqa: PLC0415

        engine = DynamoDBLocal()
        try:
            engine.start()
        except EngineError as err:
            raise EngineFault(str(err)) from None
        try:
            with _local_environment(region or "us-east-1"):
                yield EngineSession("dynamodb-local", engine.endpoint_url, region or "us-east-1")
        finally:
            engine.stop()
        return
    yield _reach(endpoint_url, region=region)


def check_reach(kind: str, *, endpoint_url: str | None, allow_aws: bool) -> str:
    """The engine these options run on, or an EngineFault if the run may not go there.

    moto and DynamoDB Local (which tablemodel starts on 127.0.0.1) need nothing. An endpoint
    URL makes the engine `endpoint`, and `allow_aws` without one means AWS itself; either is
    refused unless the URL is a loopback address (`tablemodel.engines.guard`) or `allow_aws` is
    given. Decided from the options alone: nothing is resolved or connected.
    """
    if kind not in ENGINES:
        msg = f"unknown engine {kind!r}: expected one of {', '.join(ENGINES)}"
        raise EngineFault(msg)
    if allow_aws and endpoint_url is None and kind == "dynamodb-local":
        msg = "--allow-aws runs on real AWS; --engine dynamodb-local starts an engine of its own"
        raise EngineFault(msg)
    if endpoint_url is None and not allow_aws:
        if kind == "endpoint":
            msg = "the endpoint engine needs --endpoint-url URL (or --allow-aws for real AWS)"
            raise EngineFault(msg)
        return kind
    refusal = endpoint_refusal(endpoint_url, allow_aws=allow_aws)
    if refusal is not None:
        raise EngineFault(refusal)
    return "endpoint"  # an endpoint, or AWS itself, is what the user asked to reach


def _reach(endpoint_url: str | None, *, region: str | None) -> EngineSession:
    import boto3  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415

    # A session of its own: boto3's default one keeps the credentials it found first.
    client = boto3.session.Session().client(
        "dynamodb",
        endpoint_url=endpoint_url,
        region_name=resolve_region(endpoint_url, region),
        config=Config(connect_timeout=5, read_timeout=10, retries={"max_attempts": 1}),
    )
    where = endpoint_url or "AWS"
    try:
        client.list_tables(Limit=1)
    except Exception as err:
        if _no_credentials(err):
            raise EngineFault(describe_fault(err)) from None
        raise EngineFault(f"cannot reach the engine at {where}: {describe_fault(err)}") from None
    return EngineSession("endpoint", endpoint_url, client.meta.region_name)


def resolve_region(endpoint_url: str | None, region: str | None) -> str:
    """The region to sign requests for, or an EngineFault saying how to give one.

    The given region, else the one an AWS endpoint's host names (`dynamodb.eu-west-1.
    amazonaws.com`, in any partition, with or without a trailing dot: signing for another
    region would fail there), else botocore's own (AWS_DEFAULT_REGION, the profile's config).
    An engine of the user's own that is not AWS takes any region: us-east-1, as DynamoDB
    Local's docs use. An AWS host that names no region, or AWS itself, needs one given.
    """
    if region:
        return region
    host = _host_of(endpoint_url)
    named = _region_in_host(host)
    if named:
        return named
    import boto3  # noqa: PLC0415

    found = boto3.session.Session().region_name
    if found:
        return str(found)
    if host and not _is_aws_domain(host):
        return "us-east-1"
    msg = "no AWS region: pass --region, or set AWS_DEFAULT_REGION (or a region in the profile)"
    raise EngineFault(msg)


# us-east-1, eu-west-1, us-gov-west-1, cn-north-1, ap-southeast-5, eusc-de-east-1
_REGION = re.compile(r"[a-z]{2,4}(?:-[a-z]+)+-[0-9]{1,2}")
# Domains of AWS partitions, where an endpoint's host is AWS's and names its region.
_AWS_DOMAINS = ("amazonaws.com", "amazonaws.com.cn", "api.aws", "c2s.ic.gov", "sc2s.sgov.gov")


def _host_of(endpoint_url: str | None) -> str:
    if not endpoint_url:
        return ""
    try:
        host = urlparse(endpoint_url.strip()).hostname or ""
    except ValueError:
        return ""
    return host.lower().rstrip(".")


def _region_in_host(host: str) -> str | None:
    """`eu-west-1` of `dynamodb.eu-west-1.amazonaws.com` or `vpce-1.dynamodb.eu-west-1.vpce...`."""
    if not _is_aws_domain(host):
        return None
    labels = host.split(".")
    for label, after in itertools.pairwise(labels):
        if label in {"dynamodb", "dynamodb-fips"} and _REGION.fullmatch(after):
            return after
    return None


def _is_aws_domain(host: str) -> bool:
    return any(host == domain or host.endswith(f".{domain}") for domain in _AWS_DOMAINS)


@contextlib.contextmanager
def _local_environment(region: str) -> Iterator[None]:
    """Dummy credentials and a region for a local engine, restored on the way out."""
    wanted = dict(_DUMMY_CREDENTIALS)
    wanted["AWS_DEFAULT_REGION"] = region
    saved = {name: os.environ.get(name) for name in (*wanted, *_CLEARED)}
    for name in _CLEARED:  # a profile or endpoint of the user's must not redirect the run
        os.environ.pop(name, None)
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _service_error(err: BaseException) -> tuple[BaseException, dict[str, Any] | None]:
    """The innermost cause of `err`, and the service's error document if one carries it."""
    cause: Any = err
    seen: set[int] = set()
    while id(cause) not in seen:
        seen.add(id(cause))
        response = getattr(cause, "response", None)
        if isinstance(response, dict) and isinstance(response.get("Error"), dict):
            return cause, response["Error"]
        nested = getattr(cause, "cause", None) or cause.__cause__ or cause.__context__
        if nested is None:
            break
        cause = nested
    return cause, None


def error_code(err: BaseException) -> str | None:
    """The service's error code (`ValidationException`) anywhere in `err`'s causes."""
    _, error = _service_error(err)
    code = error.get("Code") if error else None
    return str(code) if code else None


def _no_credentials(err: BaseException) -> bool:
    cause, _ = _service_error(err)
    return type(cause).__name__ == "NoCredentialsError"


def describe_fault(err: BaseException) -> str:
    """One line for an SDK or PynamoDB error, down to the service's own error code."""
    if _no_credentials(err):
        return (
            "no AWS credentials to sign the requests with: set AWS_ACCESS_KEY_ID and"
            " AWS_SECRET_ACCESS_KEY, or a profile (an engine of your own, such as DynamoDB"
            " Local, accepts any values)"
        )
    cause, error = _service_error(err)
    if error is not None:
        code = error.get("Code", "")
        if code in _THROTTLING:
            return f"the engine throttled the requests ({code}) beyond every retry"
        return f"{code}: {error.get('Message', '')}".strip(": ")
    text = " ".join(str(cause).split())
    return f"{type(cause).__name__}: {text}" if text else type(cause).__name__


def is_engine_error(err: BaseException) -> bool:
    """True for errors of the engine or the network (not a request the engine refused)."""
    if error_code(err) in {"ValidationException", "ConditionalCheckFailedException"}:
        return False
    module = type(err).__module__
    if module.startswith(("botocore", "urllib3", "pynamodb")):
        return True
    return isinstance(err, ConnectionError | TimeoutError)
