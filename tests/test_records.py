"""`record` and `mutable_record` behave as `dataclass(frozen=True)` and `dataclass()` do.

Each class here is declared twice, once with the standard decorator and once with ours, and
the two are compared on what a caller can observe: construction (positional, keyword,
defaults, factories, keyword-only and non-init fields, `__post_init__`), equality, hashing,
repr, immutability, `dataclasses.replace`, `fields`, `asdict` and `__match_args__`.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import pkgutil
from dataclasses import FrozenInstanceError, InitVar, dataclass, field
from typing import Any

import pytest

import tablemodel
from tablemodel.records import mutable_record, record


def _pair(frozen: bool) -> tuple[type[Any], type[Any]]:
    """The same class body under the standard decorator and under ours."""

    def body() -> type[Any]:
        class Shape:
            """A class with every kind of field the package uses."""

            name: str
            size: int = 3
            tags: tuple[str, ...] = ()
            notes: list[str] = field(default_factory=list)
            hidden: int = field(default=0, repr=False, compare=False)
            derived: int = field(init=False, default=-1)
            flag: bool = field(default=False, kw_only=True)

        return Shape

    standard = dataclass(frozen=frozen)(body())
    ours = (record if frozen else mutable_record)(body())
    return standard, ours


CALLS: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
    (("a",), {}),
    (("a", 5), {}),
    (("a", 5, ("x", "y")), {}),
    (("a",), {"notes": ["n"], "hidden": 9}),
    ((), {"name": "b", "size": 1, "flag": True}),
    (("a", 5, ("x",), ["m"], 4), {"flag": True}),
]


def _observe(obj: Any) -> tuple[Any, ...]:
    return (
        repr(obj).split("(", 1)[1],
        dataclasses.asdict(obj),
        [f.name for f in dataclasses.fields(obj)],
        type(obj).__match_args__,
    )


@pytest.mark.parametrize("frozen", [True, False], ids=["record", "mutable_record"])
@pytest.mark.parametrize(("args", "kwargs"), CALLS)
def test_construction_repr_fields_and_asdict_match_the_standard_library(
    frozen: bool, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    standard, ours = _pair(frozen)
    assert _observe(ours(*args, **kwargs)) == _observe(standard(*args, **kwargs))


@pytest.mark.parametrize("frozen", [True, False], ids=["record", "mutable_record"])
def test_bad_calls_fail_as_the_standard_library_fails(frozen: bool) -> None:
    standard, ours = _pair(frozen)
    bad: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        ((), {}),  # a required field missing
        (("a",), {"derived": 1}),  # a field that is not an argument
        (("a", 1, (), [], 0, True), {}),  # a keyword-only field given by position
    ]
    for args, kwargs in bad:
        with pytest.raises(TypeError):
            standard(*args, **kwargs)
        with pytest.raises(TypeError):
            ours(*args, **kwargs)


def test_equality_and_hash_are_the_standard_ones() -> None:
    standard, ours = _pair(frozen=True)
    for args, kwargs in CALLS:
        mine, theirs = ours(*args, **kwargs), standard(*args, **kwargs)
        assert mine == ours(*args, **kwargs)
        # The list field makes both unhashable; without it the hashes are the standard ones.
        with pytest.raises(TypeError, match="unhashable"):
            hash(mine)
        with pytest.raises(TypeError, match="unhashable"):
            hash(theirs)
        hashable = {"notes": ()}
        assert hash(dataclasses.replace(mine, **hashable)) == hash(
            dataclasses.replace(theirs, **hashable)
        )
    # compare=False fields are left out of both, like the standard decorator does.
    assert ours("a", hidden=1) == ours("a", hidden=2)
    assert hash(ours("a", notes=(), hidden=1)) == hash(ours("a", notes=(), hidden=2))
    assert ours("a") != ours("b")
    assert ours("a") != ours("a", flag=True)
    # Another class with equal field values is not equal, as with the standard decorator.
    assert ours("a") != standard("a")
    assert (ours("a") == "a") is False


def test_a_one_field_record_hashes_as_the_standard_one_does() -> None:
    @record
    class One:
        value: int

    @dataclass(frozen=True)
    class Standard:
        value: int

    assert hash(One(7)) == hash(Standard(7)) == hash((7,))
    assert {One(7), One(7), One(8)} == {One(7), One(8)}


def test_a_record_is_immutable_and_replace_gives_a_new_one() -> None:
    _, ours = _pair(frozen=True)
    shape = ours("a", 5)
    with pytest.raises(FrozenInstanceError):
        shape.size = 6
    with pytest.raises(FrozenInstanceError):
        del shape.size
    changed = dataclasses.replace(shape, size=6)
    assert (shape.size, changed.size, changed.name) == (5, 6, "a")
    assert copy.deepcopy(shape) == shape
    assert copy.copy(shape) == shape


def test_a_mutable_record_assigns_and_has_no_hash() -> None:
    _, ours = _pair(frozen=False)
    shape = ours("a")
    shape.size = 9
    assert shape.size == 9
    assert ours.__hash__ is None
    with pytest.raises(TypeError, match="unhashable"):
        hash(shape)


def test_post_init_runs_after_every_field_is_set_and_may_set_more() -> None:
    @record
    class Derived:
        low: int
        high: int = 10
        width: int = field(init=False, default=0)

        def __post_init__(self) -> None:
            object.__setattr__(self, "width", self.high - self.low)

    assert Derived(3).width == 7
    assert Derived(3, 4).width == 1


def test_subclasses_get_their_own_fields_and_methods() -> None:
    @record
    class Base:
        a: int

    @record
    class Child(Base):
        b: str = "x"

    class Plain(Base):
        """Not decorated: inherits the base's methods."""

    assert Child(1, "y") == Child(1, "y") != Child(1)
    assert (
        repr(Child(1))
        == "test_subclasses_get_their_own_fields_and_methods.<locals>.Child(a=1, b='x')"
    )
    assert Plain(2).a == 2
    assert Base(2).a == 2  # the base's own __init__ still works after the subclass compiled it
    assert Base(2) != Plain(2)  # equality needs the same class


def test_methods_a_class_writes_itself_are_kept() -> None:
    @record
    class Custom:
        value: int

        def __repr__(self) -> str:
            return "custom"

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Custom)

        def __hash__(self) -> int:
            return 1

    assert repr(Custom(1)) == "custom"
    assert Custom(1) == Custom(2)
    assert hash(Custom(5)) == 1


def test_initvar_fields_are_refused() -> None:
    with pytest.raises(TypeError, match="InitVar"):

        @record
        class WithInitVar:
            seed: InitVar[int]


def test_every_record_in_the_package_is_a_dataclass_with_our_methods() -> None:
    """Each record class of the package keeps dataclass fields (so `replace`, `fields` and
    `asdict` keep working for every caller) and carries the methods made here."""
    seen = 0
    for module in pkgutil.walk_packages(tablemodel.__path__, "tablemodel."):
        if module.name.endswith(("__main__", "._child")):
            continue
        loaded = importlib.import_module(module.name)
        for value in vars(loaded).values():
            if (
                isinstance(value, type)
                and value.__module__ == module.name
                and getattr(value.__eq__, "__module__", None) == "tablemodel.records"
            ):
                assert dataclasses.is_dataclass(value), value
                seen += 1
    assert seen > 80
