"""Sets of Unicode code points, used to say which characters a key part may contain.

A `CharSet` is immutable and stored as sorted, disjoint, non-adjacent inclusive intervals, so
set algebra is linear in the number of intervals and equality is structural. The universe is
every Unicode scalar value: code points 0..0x10FFFF except the surrogates 0xD800..0xDFFF,
which cannot appear in valid UTF-8 and therefore never in a DynamoDB string.
"""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["MAX_CODE_POINT", "NAMED_CLASSES", "CharSet", "CharSetSyntaxError"]

MAX_CODE_POINT = 0x10FFFF
_SURROGATE_LO = 0xD800
_SURROGATE_HI = 0xDFFF
_MAX_ORDER_CHECK = 4096
"""Most case-changing members `CharSet.lowering_keeps_order` compares one by one."""

Interval = tuple[int, int]


class CharSetSyntaxError(ValueError):
    """A character-class spec could not be parsed; `column` is the 0-based offset of the problem."""

    def __init__(self, message: str, column: int, spec: str) -> None:
        self.message = message
        self.column = column
        self.spec = spec
        super().__init__(f"{message} at column {column} of character class {spec!r}")


def _normalise(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Sort, clip to the universe, cut out surrogates and merge overlapping/adjacent intervals."""
    pieces: list[Interval] = []
    for first, last in intervals:
        lo, hi = max(first, 0), min(last, MAX_CODE_POINT)
        if lo > hi:
            continue
        # Surrogates are not scalar values: split any interval that spans them.
        if lo < _SURROGATE_LO:
            pieces.append((lo, min(hi, _SURROGATE_LO - 1)))
        if hi > _SURROGATE_HI:
            pieces.append((max(lo, _SURROGATE_HI + 1), hi))
    pieces.sort()
    merged: list[Interval] = []
    for lo, hi in pieces:
        if merged and lo <= merged[-1][1] + 1:
            if hi > merged[-1][1]:
                merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return tuple(merged)


_UNIVERSE: tuple[Interval, ...] = _normalise([(0, MAX_CODE_POINT)])


@dataclass(frozen=True, slots=True, repr=False)
class CharSet:
    """An immutable set of Unicode scalar values.

    Build one with `any`, `empty`, `of`, `range` or `parse`; combine with `|`, `&`, `-` and
    `complement()`. Passing raw intervals to the constructor is allowed: they are normalised.
    """

    intervals: tuple[Interval, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "intervals", _normalise(self.intervals))

    # -- constructors ----------------------------------------------------------------------

    @classmethod
    def _raw(cls, intervals: tuple[Interval, ...]) -> CharSet:
        # Skips normalisation for results the algebra below already produces normalised.
        obj = object.__new__(cls)
        object.__setattr__(obj, "intervals", intervals)
        return obj

    @classmethod
    def any(cls) -> CharSet:
        """Every Unicode scalar value (surrogates excluded)."""
        return _ANY

    @classmethod
    def empty(cls) -> CharSet:
        """The empty set."""
        return _EMPTY

    @classmethod
    def of(cls, chars: str) -> CharSet:
        """The characters of `chars`."""
        return cls(tuple((ord(c), ord(c)) for c in chars))

    @classmethod
    def range(cls, lo: str, hi: str) -> CharSet:
        """Every character from `lo` to `hi`, both included."""
        if len(lo) != 1 or len(hi) != 1:
            msg = f"range bounds must be single characters, got {lo!r} and {hi!r}"
            raise ValueError(msg)
        if ord(lo) > ord(hi):
            msg = f"reversed range {lo!r}-{hi!r}"
            raise ValueError(msg)
        return cls(((ord(lo), ord(hi)),))

    @classmethod
    def parse(cls, spec: str) -> CharSet:
        """Parse a named class (`alnum`, `digits`, ...) or a bracket class (`[a-z0-9_-]`)."""
        if spec.startswith("["):
            return _parse_bracket(spec)
        named = NAMED_CLASSES.get(spec)
        if named is None:
            names = ", ".join(NAMED_CLASSES)
            msg = f"unknown character class {spec!r}: expected one of {names} or a [...] class"
            raise CharSetSyntaxError(msg, 0, spec)
        return named

    # -- algebra ---------------------------------------------------------------------------

    def __or__(self, other: CharSet) -> CharSet:
        if not other.intervals or self is other:
            return self
        if not self.intervals:
            return other
        return CharSet(self.intervals + other.intervals)

    def __and__(self, other: CharSet) -> CharSet:
        if self is other or other is _ANY:
            return self
        if self is _ANY:
            return other
        a, b = self.intervals, other.intervals
        out: list[Interval] = []
        i = j = 0
        while i < len(a) and j < len(b):
            lo = max(a[i][0], b[j][0])
            hi = min(a[i][1], b[j][1])
            if lo <= hi:
                out.append((lo, hi))
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        return CharSet._raw(tuple(out))

    def __sub__(self, other: CharSet) -> CharSet:
        if not other.intervals:
            return self
        return self & other.complement()

    def complement(self) -> CharSet:
        """Every scalar value not in this set."""
        gaps: list[Interval] = []
        prev = 0
        for lo, hi in self.intervals:
            if lo > prev:
                gaps.append((prev, lo - 1))
            prev = hi + 1
        if prev <= MAX_CODE_POINT:
            gaps.append((prev, MAX_CODE_POINT))
        return CharSet(tuple(gaps))

    def __contains__(self, ch: object) -> bool:
        if not isinstance(ch, str) or len(ch) != 1:
            return False
        cp = ord(ch)
        i = bisect.bisect_right(self.intervals, (cp, MAX_CODE_POINT + 1)) - 1
        return i >= 0 and self.intervals[i][0] <= cp <= self.intervals[i][1]

    @property
    def is_empty(self) -> bool:
        """True when the set has no member."""
        return not self.intervals

    @property
    def is_any(self) -> bool:
        """True when the set holds every scalar value."""
        return self.intervals == _UNIVERSE

    @property
    def size(self) -> int:
        """The number of code points in the set."""
        return sum(hi - lo + 1 for lo, hi in self.intervals)

    def min_char(self) -> str:
        """The lowest member; ValueError when empty."""
        if not self.intervals:
            msg = "empty character set has no minimum"
            raise ValueError(msg)
        return chr(self.intervals[0][0])

    def max_char(self) -> str:
        """The highest member; ValueError when empty."""
        if not self.intervals:
            msg = "empty character set has no maximum"
            raise ValueError(msg)
        return chr(self.intervals[-1][1])

    def chars_above(self, ch: str) -> CharSet:
        """The members strictly greater than `ch`."""
        return self & CharSet(((ord(ch) + 1, MAX_CODE_POINT),))

    def chars_below(self, ch: str) -> CharSet:
        """The members strictly less than `ch`."""
        return self & CharSet(((0, ord(ch) - 1),))

    # -- case folding ----------------------------------------------------------------------
    # Keys folded to lower case (`key_codec.case: lower`) hold `value.lower()`: Python's
    # `str.lower()`, which is Unicode's default lower-case mapping, as JavaScript's
    # `toLowerCase()` that ElectroDB uses.

    def lowered(self) -> CharSet:
        """The characters `str.lower()` writes for the members (`[A-Z]` -> `[a-z]`).

        A member that lower-cases to several characters (`İ` -> `i` and a combining dot)
        contributes each of them; `Σ` contributes both `σ` and the final `ς`.
        """
        changed = self & _case_changing()
        if changed.is_empty:
            return self
        out: list[str] = []
        for member in changed.members():
            out.append(member.lower())
            if member == "\u03a3":  # Σ lower-cases to ς at the end of a word
                out.append("\u03c2")
        return (self - changed) | CharSet.of("".join(out))

    @property
    def fold_invariant(self) -> bool:
        """True when `str.lower()` leaves every member as it is (lower case, digits, `#`)."""
        return (self & _case_changing()).is_empty

    @property
    def folds_to_one_character(self) -> bool:
        """True when every member lower-cases to exactly one character."""
        return all(len(m.lower()) == 1 for m in (self & _case_changing()).members())

    @property
    def lowering_keeps_order(self) -> bool:
        """True when text over these members sorts, lowered, as it sorted before.

        `str.lower()` must map the members one to one, each to one character, in order: no
        member that stays lies between a moving one and its image (`[A-Z0-9-]` and a
        datetime's `T`, `Z` keep their order; `[A-Za-z]` does not, `B` < `a` < `b`).
        """
        changed = self & _case_changing()
        if changed.is_empty:
            return True
        if changed.size > _MAX_ORDER_CHECK or not self.folds_to_one_character:
            return False
        staying = self - changed
        images = [(member, member.lower()) for member in changed.members()]
        for (_, a), (_, b) in itertools.pairwise(images):
            if a >= b:
                return False
        return all((staying & CharSet.range(min(c, i), max(c, i))).is_empty for c, i in images)

    def case_pair(self) -> tuple[str, str] | None:
        """Two members that `str.lower()` makes equal (`A` and `a`), or None when none do."""
        first: dict[str, str] = {}
        for member in (self & _case_changing()).members():
            folded = member.lower()
            if len(folded) == 1 and folded in self:
                return member, folded
            other = first.setdefault(folded, member)
            if other != member:
                return other, member
        return None

    def members(self) -> Iterable[str]:
        """The members in code point order (mind the size of what you iterate)."""
        for lo, hi in self.intervals:
            for cp in range(lo, hi + 1):
                yield chr(cp)

    # -- presentation ----------------------------------------------------------------------

    def sample(self) -> str:
        """One readable member: a-z, then 0-9, then A-Z, then other visible ASCII, then lowest."""
        if not self.intervals:
            msg = "empty character set has no sample"
            raise ValueError(msg)
        for preferred in _SAMPLE_PREFERENCE:
            found = self & preferred
            if found.intervals:
                return chr(found.intervals[0][0])
        return chr(self.intervals[0][0])

    def describe(self) -> str:
        """A short human form: `[a-z0-9-]`, `any character`, `any character except '#'`."""
        if not self.intervals:
            return "no character"
        if self.is_any:
            return "any character"
        rest = self.complement()
        if rest.size < self.size:
            if rest.size == 1:
                return f"any character except {rest.min_char()!r}"
            return f"any character except {rest._bracket()}"
        return self._bracket()

    def _bracket(self) -> str:
        pieces: list[Interval] = []
        dash = False
        for lo, hi in self.intervals:
            if lo <= ord("-") <= hi:
                # A lone '-' reads best at the end, where it cannot mean a range.
                dash = True
                pieces.extend(p for p in ((lo, ord("-") - 1), (ord("-") + 1, hi)) if p[0] <= p[1])
            else:
                pieces.append((lo, hi))

        # Lower case, digits, upper case, then the rest: the order people write classes in.
        def rank(piece: Interval) -> int:
            for i, (lo, hi) in enumerate(_DESCRIBE_ORDER):
                if lo <= piece[0] and piece[1] <= hi:
                    return i
            return len(_DESCRIBE_ORDER)

        pieces.sort(key=lambda p: (rank(p), p))
        body = "".join(_bracket_item(lo, hi) for lo, hi in pieces)
        return "[" + body + ("-" if dash else "") + "]"

    def __repr__(self) -> str:
        return f"CharSet({self.describe()})"


def _bracket_item(lo: int, hi: int) -> str:
    if lo == hi:
        return _escape_char(lo)
    if hi == lo + 1:
        return _escape_char(lo) + _escape_char(hi)
    return f"{_escape_char(lo)}-{_escape_char(hi)}"


_DESCRIBE_ORDER = ((ord("a"), ord("z")), (ord("0"), ord("9")), (ord("A"), ord("Z")))
_SIMPLE_ESCAPES = {"\n": "n", "\t": "t"}
_ESCAPED_IN_CLASS = "\\]^-"


def _escape_char(cp: int) -> str:
    ch = chr(cp)
    if ch in _ESCAPED_IN_CLASS:
        return "\\" + ch
    if ch in _SIMPLE_ESCAPES:
        return "\\" + _SIMPLE_ESCAPES[ch]
    if ch.isprintable():
        return ch
    if cp <= 0xFFFF:
        return f"\\u{cp:04x}"
    return f"\\U{cp:08x}"


def _parse_bracket(spec: str) -> CharSet:
    pos = 1
    negate = False
    if spec.startswith("[^"):
        negate = True
        pos = 2
    intervals: list[Interval] = []

    def atom(at: int) -> tuple[int, int]:
        """The code point at `at` (handling escapes) and the position after it."""
        ch = spec[at]
        if ch != "\\":
            return ord(ch), at + 1
        if at + 1 >= len(spec):
            raise CharSetSyntaxError("unclosed '['", 0, spec)
        code = spec[at + 1]
        if code in "\\]-^[":
            return ord(code), at + 2
        if code == "n":
            return ord("\n"), at + 2
        if code == "t":
            return ord("\t"), at + 2
        if code in "uU":
            digits = 4 if code == "u" else 8
            text = spec[at + 2 : at + 2 + digits]
            if len(text) != digits or any(c not in "0123456789abcdefABCDEF" for c in text):
                msg = f"\\{code} needs {digits} hex digits"
                raise CharSetSyntaxError(msg, at, spec)
            value = int(text, 16)
            if value > MAX_CODE_POINT:
                msg = f"\\{code}{text} is beyond the last code point U+10FFFF"
                raise CharSetSyntaxError(msg, at, spec)
            return value, at + 2 + digits
        msg = f"unknown escape \\{code}: use \\\\, \\], \\-, \\^, \\n, \\t or \\uXXXX"
        raise CharSetSyntaxError(msg, at, spec)

    while True:
        if pos >= len(spec):
            raise CharSetSyntaxError("unclosed '['", 0, spec)
        if spec[pos] == "]":
            break
        start = pos
        lo, pos = atom(pos)
        # 'x-y' is a range unless the '-' is the last thing in the class.
        if pos + 1 < len(spec) and spec[pos] == "-" and spec[pos + 1] != "]":
            hi, pos = atom(pos + 1)
            if lo > hi:
                msg = f"reversed range {chr(lo)!r}-{chr(hi)!r}"
                raise CharSetSyntaxError(msg, start, spec)
            intervals.append((lo, hi))
        else:
            intervals.append((lo, lo))
    if not intervals:
        raise CharSetSyntaxError("empty character class", 0, spec)
    if pos + 1 != len(spec):
        msg = "unexpected text after ']'"
        raise CharSetSyntaxError(msg, pos + 1, spec)
    result = CharSet(tuple(intervals))
    if negate:
        result = result.complement()
    if result.is_empty:
        raise CharSetSyntaxError("character class matches no character", 0, spec)
    return result


_ANY = CharSet._raw(_UNIVERSE)
_EMPTY = CharSet._raw(())

_LOWER = CharSet.range("a", "z")
_UPPER = CharSet.range("A", "Z")
_DIGITS = CharSet.range("0", "9")
_ALPHA = _LOWER | _UPPER
_ALNUM = _ALPHA | _DIGITS
_HEX = _DIGITS | CharSet.range("a", "f") | CharSet.range("A", "F")

_SAMPLE_PREFERENCE = (_LOWER, _DIGITS, _UPPER, CharSet.range("!", "~"))

NAMED_CLASSES: Mapping[str, CharSet] = MappingProxyType(
    {
        "any": _ANY,
        "alnum": _ALNUM,
        "alpha": _ALPHA,
        "digits": _DIGITS,
        "lower": _LOWER,
        "upper": _UPPER,
        "hex": _HEX,
        "word": _ALNUM | CharSet.of("_"),
        "uuid": _HEX | CharSet.of("-"),
    }
)
"""The named classes `CharSet.parse` accepts, each an ASCII set except `any`."""


_CASED_PLANES_END = 0x20000
"""Unicode has cased letters in the first two planes only (the others hold CJK ideographs,
tags and private use); `tests/test_charset.py` checks it against every code point."""


@functools.cache
def _case_changing(end: int = _CASED_PLANES_END) -> CharSet:
    """Every scalar value below `end` that `str.lower()` changes (computed once)."""
    changed = [
        chr(cp)
        for cp in range(min(end, MAX_CODE_POINT + 1))
        if not _SURROGATE_LO <= cp <= _SURROGATE_HI and chr(cp).lower() != chr(cp)
    ]
    return CharSet.of("".join(changed))
