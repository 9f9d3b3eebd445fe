"""Import a module generated from a model, the way a service would import its models.py."""

from __future__ import annotations

import importlib.util
import itertools
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import yaml

from tablemodel.api import load
from tablemodel.generate import generate_source

ROOT = Path(__file__).resolve().parent.parent
ALLEYCAT = ROOT / "examples" / "alleycat"
BOX_OFFICE = ROOT / "tests" / "data" / "generate" / "box_office.yaml"
LEADERBOARD = ROOT / "examples" / "leaderboard"
PUBLISHED = ROOT / "tests" / "data" / "published"
ODD_NAMES = ROOT / "tests" / "data" / "names" / "odd_names.yaml"
LOBBY = ROOT / "tests" / "data" / "scan" / "lobby.yaml"
MEMBERS = ROOT / "tests" / "data" / "folding" / "members.yaml"
SHOP = ROOT / "tests" / "data" / "shop" / "shop.yaml"
SOCIAL_NETWORK = ROOT / "tests" / "data" / "published" / "social_network.yaml"
TASK_QUEUE = ROOT / "tests" / "data" / "writes" / "task_queue.yaml"
WAITING_ROOM = ROOT / "examples" / "waiting_room"
ELECTRODB_LIBRARY = ROOT / "tests" / "data" / "published" / "electrodb_library.yaml"

_counter = itertools.count()


def import_path(path: Path) -> ModuleType:
    """Import the file at `path` under a fresh module name."""
    name = f"_generated_{path.stem}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def generate_and_import(model: Path, folder: Path) -> ModuleType:
    """Generate the module for `model` into `folder` and import it."""
    target = folder / "models.py"
    target.write_text(generate_source(load(model), output=target), encoding="utf-8")
    return import_path(target)


def fetching_lsi_model(folder: Path) -> Path:
    """Alleycat with an LSI that projects only the discriminator: `race_leaderboard` reads
    `ts`, which only the table holds, so its function asks the LSI for whole items."""
    data = yaml.safe_load((ALLEYCAT / "tablemodel.yaml").read_text(encoding="utf-8"))
    data["table"]["local_indexes"][0]["projection"] = {
        "type": "include",
        "attributes": ["entity_type"],
    }
    model = folder / "fetching_lsi.yaml"
    model.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return model


def deploy(models: ModuleType, endpoint: str | None) -> Iterator[ModuleType]:
    """`models` configured on a table of its own (moto when `endpoint` is None), created, and
    deleted afterwards: `yield from deploy(...)` in a fixture."""
    models.configure(table_name=f"t-{uuid.uuid4().hex[:12]}", endpoint_url=endpoint)
    models.create_table()
    try:
        yield models
    finally:
        models.delete_table()
        models.configure(table_name=None, endpoint_url=None, cursor_secret=None)
