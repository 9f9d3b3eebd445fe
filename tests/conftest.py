"""Shared fixtures: dummy AWS credentials, moto in-process, and one DynamoDB Local per session.

An engine that cannot start fails the test with the engine's own message (what to install):
it is never skipped, since a skipped engine test would count as a pass.

The suite runs under pytest-xdist (`-n auto` in pyproject.toml): each worker is a session of
its own, so each starts its own DynamoDB Local, on a free port, the first time one of its tests
asks for it. The tests are ordered for that: see `pytest_collection_modifyitems`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tablemodel.engines import DynamoDBLocal, EngineError

# pytester runs the tablemodel pytest plugin in a child pytest (tests/test_run.py);
# tests.progress prints progress lines for long tests through pytest's output capture.
pytest_plugins = ["pytester", "tests.progress"]

DUMMY_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def _share_botocore_data_files() -> None:
    """Have every botocore session of this process read its data files once, not once each.

    A botocore session reads the JSON files it ships (the DynamoDB service model, the endpoint
    and partition tables, the SDK defaults: a few MB) the first time it makes a client, and
    caches them in its own loader. PynamoDB opens a session per connection, and every run of a
    generated module, or client a test makes, is a new one: about 0.15 s of JSON parsing each,
    tens of seconds over the suite. The files are read-only data keyed by the search path, so
    one loader per path serves every session exactly as a fresh one would.
    """
    import botocore.loaders  # noqa: PLC0415
    import botocore.session  # noqa: PLC0415

    create = botocore.loaders.create_loader
    loaders: dict[str | None, botocore.loaders.Loader] = {}

    def shared_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
        if search_path_string not in loaders:
            loaders[search_path_string] = create(search_path_string)
        return loaders[search_path_string]

    botocore.session.create_loader = shared_loader


_share_botocore_data_files()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the long property tests first, then the engine tests, then the rest.

    xdist hands tests to the workers in this order as they free up, so the runs of a minute
    start at once, one per core, and the quick tests fill in around them; a long test left for
    the end would keep one core busy while the other idles. The sort is stable: within each
    group, tests keep pytest's order (file by file, so module fixtures are set up once).
    """

    def group(item: pytest.Item) -> int:
        if item.get_closest_marker("slow") is not None:
            return 0
        return 1 if item.get_closest_marker("engine") is not None else 2

    items.sort(key=group)


# GNU readline, which every pytest process imports at start-up, sets COLUMNS=80 and LINES=24 in
# an xdist worker's environment (its standard input is /dev/null); rich would then lay out the
# CLI's tables at 80 columns instead of the 120 it uses off a terminal. Each worker gets the
# two variables back as the run started with them.
_TERMINAL_SIZE = ("COLUMNS", "LINES")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist, in the controlling process: tell each worker the terminal size variables."""
    node.workerinput["tablemodel_terminal_size"] = {
        name: os.environ.get(name) for name in _TERMINAL_SIZE
    }


def pytest_configure(config: pytest.Config) -> None:
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    if workerinput is None:
        return
    for name, value in workerinput.get("tablemodel_terminal_size", {}).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytester, whose child runs use one process unless the test passes `-n` itself.

    A child given a path in this repository reads pyproject.toml, whose addopts say `-n auto`:
    each of its runs would start workers of its own. (pytester clears PYTEST_ADDOPTS first;
    the command line comes after it, so a test's own `-n 2` still wins.)
    """
    monkeypatch.setenv("PYTEST_ADDOPTS", "-n 0")
    return pytester


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[str]:
    """The endpoint URL (``http://127.0.0.1:<port>``) of one DynamoDB Local for the session.

    It runs in memory with ``-sharedDb``: every credential and region sees the same tables,
    so tests should use table names of their own.
    """
    engine = DynamoDBLocal()
    try:
        engine.start()
    except EngineError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield engine.endpoint_url
    finally:
        engine.stop()


@pytest.fixture
def aws_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Dummy credentials and region, and no profile or config file of the machine's own."""
    for name, value in DUMMY_AWS_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    nowhere = tmp_path_factory.mktemp("aws") / "absent"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(nowhere))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(nowhere))


@pytest.fixture(params=["moto", "dynamodb-local"])
def endpoint(request: pytest.FixtureRequest, aws_credentials: None) -> Iterator[str | None]:
    """Each test twice: on moto in-process (None: no endpoint) and on DynamoDB Local (its URL)."""
    if request.param == "moto":
        import moto  # noqa: PLC0415

        with moto.mock_aws():
            yield None
    else:
        yield request.getfixturevalue("dynamodb_local")


@pytest.fixture
def moto_engine(aws_credentials: None) -> Iterator[None]:
    """Run the test inside ``moto.mock_aws()``: boto3 calls without an endpoint go to moto."""
    import moto  # noqa: PLC0415  (only tests that ask for moto pay for importing it)

    with moto.mock_aws():
        yield
