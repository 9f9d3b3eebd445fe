"""The real-AWS guard: only a loopback endpoint goes without --allow-aws, decided from the text.

Every refusal happens before any name is resolved or any connection opened: the tests that
drive the command, the library and the pytest plugin replace the socket functions with ones
that record the call and fail.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from tablemodel.api import load
from tablemodel.cli.main import cli
from tablemodel.engines.guard import endpoint_refusal, is_loopback_endpoint
from tablemodel.engines.session import EngineFault, check_reach, engine_session, resolve_region
from tablemodel.run.runner import RunOptions, run_model, vacuum_table
from tests.generated import ALLEYCAT, ROOT

HOUR_RACE = ALLEYCAT / "hour_race.yaml"
TRAILING_DOT = "https://dynamodb.us-east-1.amazonaws.com."

LOOPBACK = [
    "http://127.0.0.1:8000",
    "http://127.0.0.1",
    "https://127.0.0.1:8000/",
    "http://127.255.255.254:1",
    "http://localhost:8000",
    "http://localhost.:8000",
    "HTTP://LOCALHOST:8000",  # scheme and host names are case-insensitive
    "http://[::1]:8000",
    "http://[0:0:0:0:0:0:0:1]:8000",
    "http://[::ffff:127.0.0.1]:8000",  # IPv4-mapped loopback
    "http://127.0.0.1:8000/some/path",
]

MAYBE_AWS = [
    # AWS itself, in every spelling and partition
    "https://dynamodb.us-east-1.amazonaws.com",
    TRAILING_DOT,
    "https://DYNAMODB.US-EAST-1.AMAZONAWS.COM",
    "https://dynamodb.cn-north-1.amazonaws.com.cn",
    "https://dynamodb.us-iso-east-1.c2s.ic.gov",
    "https://dynamodb.us-isob-east-1.sc2s.sgov.gov",
    "https://dynamodb.us-east-1.api.aws",
    "https://vpce-1a2b.dynamodb.us-east-1.vpce.amazonaws.com",
    "https://52.94.0.1",  # an address of AWS
    "http://[2600:1f18::1]:443",
    # names that only look local
    "https://localhost.evil.com",
    "http://localhost.example.com:8000",
    "http://127.0.0.1.nip.io:8000",
    "http://sub.localhost:8000",
    "http://localhost..:8000",
    # not loopback at all
    "http://0.0.0.0:8000",
    "http://[::]:8000",
    "http://10.0.0.5:8000",
    "http://[::127.0.0.1]:8000",  # IPv4-compatible, not mapped: not loopback
    # spellings that parsers read differently
    "http://127.0.0.1@evil.com",
    "http://127.0.0.1:8000@evil.com",
    "http://user:secret@127.0.0.1:8000",
    "http://127.0.0.1\\@evil.com",
    "http://127.0.0.1%2f@evil.com",
    "http://%31%32%37.0.0.1:8000",
    "http://127.0.0.1%00.evil.com",
    "http://127.1:8000",
    "http://2130706433:8000",
    "http://0x7f.0.0.1:8000",
    "http://0177.0.0.1:8000",
    "http://127.0.0.01:8000",
    "http://127.0.0.1.:8000",
    "http://127.0.0.1:",
    "http://127.0.0.1:0",
    "http://127.0.0.1:65536",
    "http://127.0.0.1:80:80",
    "http://127.0.0.1:+80",
    "http://[::1]x:8000",
    "http://[::1%25lo]:8000",
    "http://::1:8000",
    "http://127.0.0.1/?x=1",
    "http://127.0.0.1/#x",
    "http://127.0.0.1/[::1]",
    " http://127.0.0.1:8000",
    "http://127.0.0.1:8000 ",
    "http://127.0.0.1:8000\n",
    "http://127.0.0.1\t:8000",
    "http://ｌｏｃａｌｈｏｓｔ:8000",  # fullwidth letters, folded to localhost by IDNA
    "http://127。0。0。1:8000",  # ideographic full stops
]

NOT_HTTP = [
    "127.0.0.1:8000",  # missing scheme
    "localhost:8000",
    "//127.0.0.1:8000",
    "ftp://127.0.0.1",
    "http:/127.0.0.1",
    "http://",
    "http://[::1",
    "",
]


@pytest.mark.parametrize("url", LOOPBACK)
def test_loopback_endpoints_go_without_the_flag(url: str) -> None:
    assert is_loopback_endpoint(url)
    assert endpoint_refusal(url, allow_aws=False) is None
    assert check_reach("moto", endpoint_url=url, allow_aws=False) == "endpoint"


@pytest.mark.parametrize("url", MAYBE_AWS)
def test_anything_else_may_be_aws_and_needs_the_flag(url: str) -> None:
    assert not is_loopback_endpoint(url)
    refusal = endpoint_refusal(url, allow_aws=False)
    assert refusal is not None
    assert "--allow-aws" in refusal
    assert "\n" not in refusal
    with pytest.raises(EngineFault, match="add --allow-aws"):
        check_reach("endpoint", endpoint_url=url, allow_aws=False)
    # The flag is the only thing missing.
    assert endpoint_refusal(url, allow_aws=True) is None
    assert check_reach("moto", endpoint_url=url, allow_aws=True) == "endpoint"


@pytest.mark.parametrize("url", NOT_HTTP)
def test_what_is_not_an_http_url_is_refused_even_with_the_flag(url: str) -> None:
    assert not is_loopback_endpoint(url)
    for allow_aws in (False, True):
        refusal = endpoint_refusal(url, allow_aws=allow_aws)
        assert refusal is not None
        assert "is not an http(s) URL" in refusal


def test_the_refusal_names_the_endpoint_visibly_and_hides_a_password() -> None:
    refusal = endpoint_refusal(TRAILING_DOT, allow_aws=False)
    assert refusal is not None
    assert f"--endpoint-url {TRAILING_DOT} is not a loopback address" in refusal
    spaced = endpoint_refusal("http://127.0.0.1:8000 ", allow_aws=False)
    assert spaced is not None
    assert "'http://127.0.0.1:8000 '" in spaced
    secret = endpoint_refusal(
        "https://me:hunter2@dynamodb.eu-west-1.amazonaws.com", allow_aws=False
    )
    assert secret is not None
    assert "hunter2" not in secret
    assert "me:***@dynamodb.eu-west-1.amazonaws.com" in secret


def test_aws_itself_needs_the_flag_and_local_engines_do_not() -> None:
    refusal = endpoint_refusal(None, allow_aws=False)
    assert refusal is not None
    assert "--allow-aws" in refusal
    assert endpoint_refusal(None, allow_aws=True) is None
    assert check_reach("moto", endpoint_url=None, allow_aws=False) == "moto"
    assert check_reach("dynamodb-local", endpoint_url=None, allow_aws=False) == "dynamodb-local"
    assert check_reach("moto", endpoint_url=None, allow_aws=True) == "endpoint"
    with pytest.raises(EngineFault, match="needs --endpoint-url"):
        check_reach("endpoint", endpoint_url=None, allow_aws=False)


# ---------------------------------------------------------------------------------------------
# No lookup, no connection


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every name lookup or connection is recorded and fails; the test asserts there were none."""
    calls: list[str] = []

    def refuse(name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls.append(f"{name}{args!r}")
            raise OSError(f"test: {name} called")

        return call

    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "gethostbyname", refuse("gethostbyname"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    yield calls
    assert calls == [], "the guard let a lookup or a connection through"


def _refused_in_one_line(args: list[str], endpoint: str | None) -> str:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "--allow-aws" in lines[0]
    if endpoint is not None:
        assert endpoint in lines[0]
    return lines[0]


@pytest.mark.parametrize(
    "url",
    [
        TRAILING_DOT,
        "https://dynamodb.cn-north-1.amazonaws.com.cn",
        "https://dynamodb.us-iso-east-1.c2s.ic.gov",
        "https://localhost.evil.com",
        "http://127.0.0.1@evil.com",
    ],
)
def test_check_run_refuses_before_any_lookup_or_connection(no_network: list[str], url: str) -> None:
    _refused_in_one_line(["check", str(ALLEYCAT), "--run", "--endpoint-url", url], url)
    _refused_in_one_line(
        ["check", str(ALLEYCAT), "--run", "--engine", "endpoint", "--endpoint-url", url], url
    )


def test_the_command_exits_2_without_a_lookup_in_a_process_of_its_own() -> None:
    # The bar, as a user types it, in a fresh interpreter whose socket functions raise.
    script = textwrap.dedent(
        """
        import socket, sys

        def refuse(*args, **kwargs):
            sys.stderr.write("NETWORK USED\\n")
            raise SystemExit(99)

        socket.getaddrinfo = socket.create_connection = refuse
        socket.socket.connect = socket.socket.connect_ex = refuse

        from tablemodel.cli.main import main
        main(sys.argv[1:])
        """
    )
    args = ["check", "examples/alleycat", "--run", "--endpoint-url", TRAILING_DOT]
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "NETWORK USED" not in done.stderr
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert TRAILING_DOT in done.stderr
    assert "--allow-aws" in done.stderr


def test_vacuum_refuses_aws_and_remote_endpoints_before_any_request(no_network: list[str]) -> None:
    base = ["vacuum", str(HOUR_RACE), "--table-name", "races"]
    _refused_in_one_line(base, None)
    _refused_in_one_line([*base, "--endpoint-url", TRAILING_DOT], TRAILING_DOT)
    line = _refused_in_one_line([*base, "--endpoint-url", "http://10.1.2.3:8000"], "10.1.2.3")
    assert line.startswith("Error: engine: ")


def test_the_library_refuses_too(no_network: list[str]) -> None:
    # api/pytest users never pass through the command line: the run and vacuum check it.
    loaded = load(HOUR_RACE)
    with pytest.raises(EngineFault, match="add --allow-aws"):
        run_model(loaded, RunOptions(endpoint_url=TRAILING_DOT))
    with pytest.raises(EngineFault, match="add --allow-aws"):
        run_model(loaded, RunOptions(engine="endpoint", endpoint_url="https://localhost.evil.com"))
    with (
        pytest.raises(EngineFault, match="add --allow-aws"),
        engine_session("endpoint", endpoint_url=TRAILING_DOT),
    ):
        pass
    for endpoint in (None, TRAILING_DOT):
        with pytest.raises(EngineFault, match="add --allow-aws"):
            vacuum_table(loaded, "races", endpoint_url=endpoint)


def test_the_pytest_plugin_refuses_before_any_test(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        "--tablemodel",
        str(ALLEYCAT),
        "--tablemodel-endpoint-url",
        TRAILING_DOT,
        "-p",
        "no:cacheprovider",
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = result.stderr.str()
    assert "--tablemodel-allow-aws" in errors
    assert TRAILING_DOT in errors


# ---------------------------------------------------------------------------------------------
# The region an endpoint's host names


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("https://dynamodb.eu-west-1.amazonaws.com", "eu-west-1"),
        ("https://dynamodb.eu-west-1.amazonaws.com.", "eu-west-1"),
        ("https://DynamoDB.EU-West-1.AmazonAWS.com", "eu-west-1"),
        ("https://dynamodb-fips.us-gov-west-1.amazonaws.com", "us-gov-west-1"),
        ("https://dynamodb.cn-north-1.amazonaws.com.cn", "cn-north-1"),
        ("https://dynamodb.us-iso-east-1.c2s.ic.gov", "us-iso-east-1"),
        ("https://dynamodb.eu-central-1.api.aws", "eu-central-1"),
        ("https://vpce-1a2b.dynamodb.ap-south-1.vpce.amazonaws.com", "ap-south-1"),
    ],
)
def test_an_aws_endpoint_names_its_region_and_wins_over_the_environment(
    aws_credentials: None, monkeypatch: pytest.MonkeyPatch, endpoint: str, expected: str
) -> None:
    # Signing for AWS_DEFAULT_REGION where the host is another region's would be refused.
    monkeypatch.setenv("AWS_DEFAULT_REGION", "sa-east-1")
    assert resolve_region(endpoint, None) == expected
    assert resolve_region(endpoint, "me-south-1") == "me-south-1"


@pytest.mark.parametrize(
    "endpoint", ["https://dynamodb.amazonaws.com", "https://s3.amazonaws.com", None]
)
def test_aws_without_a_region_in_its_host_needs_one(
    aws_credentials: None, monkeypatch: pytest.MonkeyPatch, endpoint: str | None
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION")
    with pytest.raises(EngineFault, match="pass --region"):
        resolve_region(endpoint, None)


def test_an_engine_of_ones_own_takes_us_east_1(
    aws_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION")
    for endpoint in ("http://127.0.0.1:8000", "http://dynamodb-local:8000"):
        assert resolve_region(endpoint, None) == "us-east-1"
