"""Sample items for `check --run`: generated from the model's `sample` section, or loaded.

A run is only as good as its data, so the generator is hostile by default, always within what
the model declares: IDs that are prefixes of other IDs or hold the key delimiters, case and
Unicode variants, numbers of different widths, datetimes in other time zones (`candidates`
lists them). With `hostile: false` the values are plain and readable (`racer-01`).

The data is relational, because single-table bugs live where entity types meet: attributes
with the same name draw from one shared pool (racer IDs of profiles, results and leaderboards
overlap), and an entity with a `parent` copies its parent item's values for every attribute of
the same name, so a partition really holds several entity types. No two items of one entity
compose the same table key. Everything is seeded: the same seed gives the same items.

Fixture files (`sample.fixtures`) add explicit items or replace the generated ones; their
convention, and `dump_samples`, which writes it, are in `fixtures`.

The modules: `candidates` (hostile and plain values per attribute type), `shape` (an entity's
rules, key codecs and table key, as the generator sees them), `plan` (counts, parents and the
pools shared by attributes of one name), `generation` (the items), `fixtures` (load and dump).
"""

from __future__ import annotations

from tablemodel.run.items import SampleError, SampleItem
from tablemodel.run.sample.fixtures import dump_samples, load_fixture
from tablemodel.run.sample.generation import generate_samples
from tablemodel.run.sample.plan import DEFAULT_COUNT, DEFAULT_PER_PARENT

__all__ = [
    "DEFAULT_COUNT",
    "DEFAULT_PER_PARENT",
    "SampleError",
    "SampleItem",
    "dump_samples",
    "generate_samples",
    "load_fixture",
]
