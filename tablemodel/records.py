"""`record`: the frozen dataclass every layer declares its plain data with, at a fraction of
the import cost.

`dataclasses.dataclass(frozen=True)` writes each class's `__init__`, `__repr__`, `__eq__`,
`__hash__`, `__setattr__` and `__delattr__` as source text and compiles it when the module is
imported: about 3.7 million instructions for a class of four fields, paid by every command for
every class it imports, used or not. A static `tablemodel check` imports some sixty of them.

`record` gives the same class, with the same behaviour, for about a tenth of that:

- the fields are the standard library's (`dataclasses.fields`, `replace`, `asdict` and
  `__match_args__` work; `field(default=..., default_factory=..., init=..., repr=...,
  compare=..., kw_only=...)` mean what they mean there);
- `__eq__` and `__hash__` compare and hash the same tuple of fields the standard ones do,
  through one `operator.attrgetter` (no compiled source); `__repr__` is one shared function;
  assigning or deleting an attribute raises `dataclasses.FrozenInstanceError`;
- `__init__` is compiled the first time the class is instantiated, from the same kind of source
  the standard library writes, so construction costs what it always did and a class a command
  never builds costs nothing.

Methods a class writes itself are kept, as the standard decorator keeps them. `InitVar`
fields are refused (nothing here uses them). Classes that need `order=True` or `slots=True`
use the standard decorator.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import MISSING, Field, FrozenInstanceError, field
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform

__all__ = ["mutable_record", "record"]

T = TypeVar("T", bound=type)

_FACTORY = object()  # the default of an argument whose field has a default factory


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def record(cls: T) -> T:
    """Make `cls` a frozen dataclass (see the module's docstring for what differs in cost)."""
    return _make(cls, frozen=True)


@dataclass_transform(field_specifiers=(field, Field))
def mutable_record(cls: T) -> T:
    """Make `cls` a dataclass whose fields may be assigned: `dataclass()`'s `__init__`,
    `__repr__` and `__eq__` (and so no hash), made as `record` makes them."""
    return _make(cls, frozen=False)


def _make(cls: T, *, frozen: bool) -> T:
    own = dict(cls.__dict__)
    if not own.get("__doc__"):
        # The standard decorator computes this from `inspect.signature`; the field names are
        # what it says, for a fraction of the cost.
        cls.__doc__ = f"{cls.__name__}({', '.join(own.get('__annotations__', {}))})"
    dataclasses.dataclass(cls, init=False, repr=False, eq=False)
    declared: dict[str, Any] = vars(cls)["__dataclass_fields__"]
    if any(f._field_type is dataclasses._FIELD_INITVAR for f in declared.values()):  # type: ignore[attr-defined]
        msg = f"{cls.__qualname__}: record does not support InitVar fields"
        raise TypeError(msg)
    fields = dataclasses.fields(cls)
    compared = tuple(f.name for f in fields if f.compare)
    shown = tuple(f.name for f in fields if f.repr)
    methods: dict[str, Callable[..., Any]] = {
        "__init__": _lazy_init(cls),
        "__repr__": _repr_of(shown),
    }
    if frozen:
        methods["__setattr__"] = _refuse_assignment
        methods["__delattr__"] = _refuse_deletion
    if "__eq__" not in own:
        methods["__eq__"] = _eq_of(compared)
    for name, method in methods.items():
        if name not in own:
            if method not in _SHARED:  # one function for every class keeps its own name
                method.__qualname__ = f"{cls.__qualname__}.{name}"
            setattr(cls, name, method)
    # Hashing as the standard decorator decides it: a frozen class hashes its compared fields
    # unless it writes `__hash__` itself; a mutable one with generated equality has no hash.
    explicit_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
    if not explicit_hash:
        if frozen:
            hasher = _hash_of(compared)
            hasher.__qualname__ = f"{cls.__qualname__}.__hash__"
            cls.__hash__ = hasher  # type: ignore[assignment]
        elif "__eq__" not in own:
            cls.__hash__ = None  # type: ignore[assignment]
    return cls


def _values(names: tuple[str, ...]) -> Callable[[object], tuple[object, ...]]:
    """The function from an instance to the tuple of its `names` fields."""
    if not names:
        return lambda _self: ()
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda self: (one(self),)
    many: Callable[[object], tuple[object, ...]] = attrgetter(*names)
    return many


def _eq_of(names: tuple[str, ...]) -> Callable[[object, object], object]:
    values = _values(names)

    def __eq__(self: object, other: object) -> object:
        if other.__class__ is self.__class__:
            return values(self) == values(other)
        return NotImplemented

    return __eq__


def _hash_of(names: tuple[str, ...]) -> Callable[[object], int]:
    values = _values(names)

    def __hash__(self: object) -> int:
        return hash(values(self))

    return __hash__


def _repr_of(names: tuple[str, ...]) -> Callable[[object], str]:
    def __repr__(self: object) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__


def _refuse_assignment(self: object, name: str, value: object) -> None:
    msg = f"cannot assign to field {name!r}"
    raise FrozenInstanceError(msg)


def _refuse_deletion(self: object, name: str) -> None:
    msg = f"cannot delete field {name!r}"
    raise FrozenInstanceError(msg)


_SHARED = (_refuse_assignment, _refuse_deletion)


def _lazy_init(cls: type) -> Callable[..., None]:
    """An `__init__` that compiles the class's real one on first use and hands over to it."""

    def __init__(self: object, *args: object, **kwargs: object) -> None:
        init = _compile_init(cls)
        init.__qualname__ = f"{cls.__qualname__}.__init__"
        type.__setattr__(cls, "__init__", init)
        init(self, *args, **kwargs)

    return __init__


def _compile_init(cls: type) -> Callable[..., None]:
    """The `__init__` the standard decorator would write for `cls` (fields set through
    `object.__setattr__`, as for a frozen class, which is the same for a mutable one)."""
    scope: dict[str, object] = {"_record_set": object.__setattr__, "_record_factory": _FACTORY}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for f in dataclasses.fields(cls):
        name = f.name
        if f.default_factory is not MISSING:
            scope[f"_factory_{name}"] = f.default_factory
            if f.init:
                value = f"_factory_{name}() if {name} is _record_factory else {name}"
                parameter = f"{name}=_record_factory"
            else:
                value, parameter = f"_factory_{name}()", ""
        elif f.default is not MISSING:
            scope[f"_default_{name}"] = f.default
            value = name if f.init else f"_default_{name}"
            parameter = f"{name}=_default_{name}" if f.init else ""
        elif f.init:
            value, parameter = name, name
        else:
            continue  # no value to give: the standard decorator leaves it unset too
        if parameter:
            (keyword if f.kw_only else positional).append(parameter)
        body.append(f"    _record_set(self, {name!r}, {value})")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    parameters = ["self", *positional, *(["*", *keyword] if keyword else [])]
    source = "\n".join([f"def __init__({', '.join(parameters)}):", *body, "    return None"])
    exec(source, scope)
    init = scope["__init__"]
    assert callable(init)
    return init
