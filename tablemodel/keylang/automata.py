"""Regular languages of keys: which keys a template can produce, which a condition can match.

Languages are NFAs without epsilon moves whose transitions carry `CharSet` labels, so an
alphabet of a million code points costs nothing. Everything here is a product construction or
a breadth-first search; nothing determinises, so sizes stay linear (one automaton) or
quadratic (a product) in the template length.

Key order: DynamoDB compares string keys by their UTF-8 bytes, and UTF-8 byte order equals
code-point order, so the order closures below compare code points, as Python's `<` on `str`.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import field
from types import MappingProxyType

from tablemodel.keylang.charset import CharSet
from tablemodel.keylang.templates import KeyTemplate, Literal, Variable
from tablemodel.records import record

__all__ = [
    "MAX_TRACKED_LENGTH",
    "Encoding",
    "Nfa",
    "ValueDomain",
    "ambiguity_witness",
    "at_least",
    "at_most",
    "concat",
    "decode_value",
    "encode_value",
    "intersect",
    "parse_key",
    "template_nfa",
    "union",
]

MAX_TRACKED_LENGTH = 64
"""Length bounds above this are not tracked: the language is over-approximated instead."""

_ANY = CharSet.any()
_DIGITS = CharSet.range("0", "9")

Transition = tuple[CharSet, int]


@functools.lru_cache(maxsize=4096)
def _char(ch: str) -> CharSet:
    # Shared single-character labels let products skip intersections of identical labels.
    return CharSet.of(ch)


_Successors = Callable[[int], Iterable[int]]
_Node = tuple[int, int, bool]  # two runs of one automaton, and whether they have diverged


@record
class ValueDomain:
    """The raw (unencoded) values a variable can take: characters and length bounds."""

    charset: CharSet
    min_length: int = 1
    max_length: int | None = None

    def __post_init__(self) -> None:
        if self.min_length < 0 or (self.max_length is not None and self.max_length < 0):
            msg = f"length bounds must not be negative: {self.min_length}..{self.max_length}"
            raise ValueError(msg)


@record
class Encoding:
    """How values are written into keys: raw, or with delimiters escaped; folded or not.

    With `escape`, a value character in `escaped` or equal to `escape_char` is written as
    `escape_char` followed by the character; every other character is written as itself.
    With `fold_case`, the key is folded to lower case: each value with `str.lower()` before it
    is escaped, and the template's literal text (`USER#` is written `user#`).
    """

    escape: bool
    escaped: CharSet = field(default_factory=CharSet.empty)
    escape_char: str = "\\"
    fold_case: bool = False

    def __post_init__(self) -> None:
        if len(self.escape_char) != 1:
            msg = f"escape_char must be one character, got {self.escape_char!r}"
            raise ValueError(msg)

    @property
    def special(self) -> CharSet:
        """The characters that are written with an escape in front."""
        return self.escaped | CharSet.of(self.escape_char)


def encode_value(value: str, encoding: Encoding) -> str:
    """Write a raw value as it appears inside a key."""
    if encoding.fold_case:
        value = value.lower()
    if not encoding.escape:
        return value
    special = encoding.special
    esc = encoding.escape_char
    return "".join(esc + c if c in special else c for c in value)


def decode_value(encoded: str, encoding: Encoding) -> str:
    """Undo `encode_value`; ValueError on an escape that the encoder would not have written."""
    if not encoding.escape:
        return encoded
    special = encoding.special
    esc = encoding.escape_char
    out: list[str] = []
    pos = 0
    while pos < len(encoded):
        ch = encoded[pos]
        if ch == esc:
            if pos + 1 >= len(encoded) or encoded[pos + 1] not in special:
                msg = f"bad escape at offset {pos} of {encoded!r}"
                raise ValueError(msg)
            out.append(encoded[pos + 1])
            pos += 2
            continue
        if ch in special:
            msg = f"unescaped {ch!r} at offset {pos} of {encoded!r}"
            raise ValueError(msg)
        out.append(ch)
        pos += 1
    return "".join(out)


class Nfa:
    """An NFA without epsilon moves over `CharSet`-labelled transitions; immutable.

    States are the integers `0..num_states-1`. `state_part` is filled by `template_nfa` only:
    it maps each state to the index of the template part whose characters lead into it (the
    start state maps to -1), so a run's states split the key it reads into parts.
    """

    __slots__ = ("_accept", "_out", "_start", "_state_part")

    def __init__(
        self,
        num_states: int,
        start: Iterable[int],
        accept: Iterable[int],
        transitions: Mapping[int, Iterable[Transition]],
        state_part: Mapping[int, int] | None = None,
    ) -> None:
        out: list[list[Transition]] = [[] for _ in range(num_states)]
        for state, edges in transitions.items():
            for label, target in edges:
                if not (0 <= state < num_states and 0 <= target < num_states):
                    msg = f"transition {state} -> {target} outside 0..{num_states - 1}"
                    raise ValueError(msg)
                if not label.is_empty:
                    out[state].append((label, target))
        starts, accepts = frozenset(start), frozenset(accept)
        if any(not 0 <= s < num_states for s in starts | accepts):
            msg = f"start or accept state outside 0..{num_states - 1}"
            raise ValueError(msg)
        self._out: tuple[tuple[Transition, ...], ...] = tuple(tuple(e) for e in out)
        self._start = starts
        self._accept = accepts
        self._state_part: Mapping[int, int] = MappingProxyType(dict(state_part or {}))

    @classmethod
    def _build(
        cls,
        out: list[list[Transition]],
        start: Iterable[int],
        accept: Iterable[int],
        state_part: Mapping[int, int] | None = None,
    ) -> Nfa:
        # Internal constructor: callers guarantee valid, non-empty labels.
        nfa = object.__new__(cls)
        nfa._out = tuple(tuple(e) for e in out)
        nfa._start = frozenset(start)
        nfa._accept = frozenset(accept)
        nfa._state_part = MappingProxyType(dict(state_part or {}))
        return nfa

    # -- views -----------------------------------------------------------------------------

    @property
    def num_states(self) -> int:
        """How many states there are."""
        return len(self._out)

    @property
    def states(self) -> range:
        """The states, `0..num_states-1`."""
        return range(len(self._out))

    @property
    def start(self) -> frozenset[int]:
        """The start states."""
        return self._start

    @property
    def accept(self) -> frozenset[int]:
        """The accepting states."""
        return self._accept

    @property
    def transitions(self) -> Mapping[int, tuple[Transition, ...]]:
        """Outgoing transitions per state (states without any are omitted)."""
        return MappingProxyType({s: e for s, e in enumerate(self._out) if e})

    @property
    def state_part(self) -> Mapping[int, int]:
        """For template automata: state -> index of the template part it belongs to."""
        return self._state_part

    def __repr__(self) -> str:
        edges = sum(len(e) for e in self._out)
        return (
            f"Nfa(states={self.num_states}, transitions={edges}, "
            f"start={sorted(self._start)}, accept={sorted(self._accept)})"
        )

    # -- constructors ----------------------------------------------------------------------

    @classmethod
    def literal(cls, text: str) -> Nfa:
        """The language holding exactly `text`."""
        out: list[list[Transition]] = [[(_char(c), i + 1)] for i, c in enumerate(text)]
        out.append([])
        return cls._build(out, [0], [len(text)])

    @classmethod
    def any_string(cls) -> Nfa:
        """Every string, the empty one included."""
        return cls._build([[(_ANY, 0)]], [0], [0])

    @classmethod
    def nothing(cls) -> Nfa:
        """The empty language."""
        return cls._build([], [], [])

    def then_anything(self) -> Nfa:
        """This language followed by any suffix: the keys `begins_with` matches."""
        return concat(self, Nfa.any_string())

    # -- questions -------------------------------------------------------------------------

    def accepts(self, text: str) -> bool:
        """True when `text` is in the language."""
        current = set(self._start)
        for ch in text:
            current = {t for s in current for label, t in self._out[s] if ch in label}
            if not current:
                return False
        return not current.isdisjoint(self._accept)

    def is_empty(self) -> bool:
        """True when the language has no string."""
        return self.shortest_witness() is None

    def shortest_witness(self) -> str | None:
        """A shortest string of the language, made of readable characters; None when empty."""
        parent: dict[int, tuple[int, CharSet] | None] = dict.fromkeys(sorted(self._start))
        queue = deque(parent)
        while queue:
            state = queue.popleft()
            if state in self._accept:
                chars: list[str] = []
                step = parent[state]
                while step is not None:
                    previous, label = step
                    chars.append(label.sample())
                    step = parent[previous]
                return "".join(reversed(chars))
            for label, target in self._out[state]:
                if target not in parent:
                    parent[target] = (state, label)
                    queue.append(target)
        return None

    def trim(self) -> Nfa:
        """The same language without states that are unreachable or cannot reach acceptance."""
        forward = _reachable(self._start, lambda s: (t for _, t in self._out[s]))
        backward_edges: list[list[int]] = [[] for _ in self._out]
        for s, edges in enumerate(self._out):
            for _, t in edges:
                backward_edges[t].append(s)
        backward = _reachable(self._accept, lambda s: backward_edges[s])
        keep = sorted(forward & backward)
        if len(keep) == self.num_states:
            return self
        new_id = {old: new for new, old in enumerate(keep)}
        out: list[list[Transition]] = [
            [(label, new_id[t]) for label, t in self._out[old] if t in new_id] for old in keep
        ]
        parts = {new_id[s]: p for s, p in self._state_part.items() if s in new_id}
        return Nfa._build(
            out,
            (new_id[s] for s in self._start if s in new_id),
            (new_id[s] for s in self._accept if s in new_id),
            parts,
        )


def _reachable(seeds: Iterable[int], successors: _Successors) -> set[int]:
    seen = set(seeds)
    stack = list(seen)
    while stack:
        for nxt in successors(stack.pop()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


class _LabelMeet:
    """Memoised label intersection: products meet the same few labels over and over."""

    def __init__(self) -> None:
        # Keyed by identity: the labels belong to automata that outlive this object.
        self._seen: dict[tuple[int, int], CharSet] = {}

    def __call__(self, a: CharSet, b: CharSet) -> CharSet:
        if a is b:
            return a
        key = (id(a), id(b))
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = a & b
        return found


# -- combinators -----------------------------------------------------------------------------


def concat(a: Nfa, b: Nfa) -> Nfa:
    """The language of `a` followed by `b`."""
    shift = a.num_states
    out: list[list[Transition]] = [list(edges) for edges in a._out]
    out.extend([(label, t + shift) for label, t in edges] for edges in b._out)
    entry = [(label, t + shift) for s in sorted(b.start) for label, t in b._out[s]]
    # Without epsilon moves, every accepting state of `a` also takes `b`'s first steps.
    for f in a.accept:
        out[f].extend(entry)
    accept = {t + shift for t in b.accept}
    if not b.start.isdisjoint(b.accept):
        accept |= a.accept
    return Nfa._build(out, a.start, accept).trim()


def union(a: Nfa, b: Nfa) -> Nfa:
    """The language of `a` or `b`."""
    shift = a.num_states
    out: list[list[Transition]] = [list(edges) for edges in a._out]
    out.extend([(label, t + shift) for label, t in edges] for edges in b._out)
    return Nfa._build(
        out,
        a.start | {s + shift for s in b.start},
        a.accept | {s + shift for s in b.accept},
    )


def intersect(a: Nfa, b: Nfa) -> Nfa:
    """The strings in both languages (product automaton; empty labels dropped)."""
    meet = _LabelMeet()
    ids: dict[tuple[int, int], int] = {}
    queue: deque[tuple[int, int]] = deque()
    for pair in sorted((p, q) for p in a.start for q in b.start):
        ids[pair] = len(ids)
        queue.append(pair)
    out: list[list[Transition]] = [[] for _ in ids]
    while queue:
        p, q = pair = queue.popleft()
        edges = out[ids[pair]]
        for label_a, ta in a._out[p]:
            for label_b, tb in b._out[q]:
                label = meet(label_a, label_b)
                if label.is_empty:
                    continue
                target = (ta, tb)
                if target not in ids:
                    ids[target] = len(ids)
                    out.append([])
                    queue.append(target)
                edges.append((label, ids[target]))
    starts = [i for (p, q), i in ids.items() if p in a.start and q in b.start]
    accepts = [i for (p, q), i in ids.items() if p in a.accept and q in b.accept]
    return Nfa._build(out, starts, accepts).trim()


def at_least(a: Nfa, strict: bool) -> Nfa:
    """Strings greater than (or equal to, unless `strict`) some string of `a`.

    A run reads `s` alongside a string `t` of `a` while the two are equal; `s` becomes
    greater for good when it reads a character above `t`'s next one, or goes on after `t`
    ends (a proper prefix is smaller). Trimming first makes every `t` completable.
    """
    a = a.trim()
    greater = a.num_states
    out: list[list[Transition]] = [list(edges) for edges in a._out]
    out.append([(_ANY, greater)])
    for q, edges in enumerate(a._out):
        above = CharSet.empty()
        for label, _ in edges:
            above |= _ANY.chars_above(label.min_char())
        if q in a.accept:
            above = _ANY
        if not above.is_empty:
            out[q].append((above, greater))
    accept = {greater} | (set() if strict else set(a.accept))
    return Nfa._build(out, a.start, accept).trim()


def at_most(a: Nfa, strict: bool) -> Nfa:
    """Strings less than (or equal to, unless `strict`) some string of `a`.

    Mirror of `at_least`: `s` becomes smaller for good on a character below `t`'s next
    one, and `s` ending while `t` can still go on makes `s` a proper prefix, hence smaller.
    """
    a = a.trim()
    less = a.num_states
    out: list[list[Transition]] = [list(edges) for edges in a._out]
    out.append([(_ANY, less)])
    accept = {less}
    for q, edges in enumerate(a._out):
        below = CharSet.empty()
        for label, _ in edges:
            below |= _ANY.chars_below(label.max_char())
        if not below.is_empty:
            out[q].append((below, less))
        if edges or (not strict and q in a.accept):
            accept.add(q)
    return Nfa._build(out, a.start, accept).trim()


# -- template automata -----------------------------------------------------------------------


def template_nfa(
    template: KeyTemplate, domains: Mapping[str, ValueDomain], encoding: Encoding
) -> Nfa:
    """The keys `template` can produce from values in `domains`, encoded with `encoding`.

    Each part is a deterministic sub-automaton, so one split of a key into parts is one run;
    the only non-determinism is where a variable ends. `state_part` records each state's
    part. A variable missing from `domains` may hold any non-empty value. A variable with a
    width (`{n:05d}`) holds exactly that many digits, whatever its domain says (`{n:d}` keeps
    its domain). Lengths count raw characters; a zero minimum counts as 1 (no empty parts).

    Over-approximation, on purpose: `max_length` is honoured only when it equals
    `min_length` and is at most MAX_TRACKED_LENGTH (fixed widths); otherwise values may be
    longer, and a minimum above MAX_TRACKED_LENGTH is lowered to it. Emptiness answers stay
    sound; a witness may use a value longer than a variable's declared maximum.
    """
    relevant = tuple(
        (name, domains[name]) for name in sorted(template.variable_names) if name in domains
    )
    return _template_nfa(template, relevant, encoding)


@functools.lru_cache(maxsize=1024)
def _template_nfa(
    template: KeyTemplate, domains: tuple[tuple[str, ValueDomain], ...], encoding: Encoding
) -> Nfa:
    by_name = dict(domains)
    builder = _TemplateBuilder()
    # `frontier` is the single state where the text so far ends; every part ends in one.
    frontier = 0
    for index, part in enumerate(template.parts):
        if isinstance(part, Literal):
            for ch in part.text.lower() if encoding.fold_case else part.text:
                nxt = builder.new_state(index)
                builder.add(frontier, _char(ch), nxt)
                frontier = nxt
            continue
        domain = _effective_domain(part, by_name.get(part.name))
        if encoding.fold_case:
            domain = _folded(domain)
        low, fixed = _length_bounds(domain)
        if low is None:
            return Nfa.nothing()
        plain, special = _unit_sets(domain.charset, encoding)
        unit = (plain, special, _char(encoding.escape_char))
        # counts[c]: c value characters read. Without a fixed width the last one loops.
        counts = [frontier] + [builder.new_state(index) for _ in range(low)]
        for c in range(low):
            builder.add_unit(counts[c], counts[c + 1], unit, index)
        if not fixed:
            builder.add_unit(counts[low], counts[low], unit, index)
        frontier = counts[low]
    return Nfa._build(builder.out, [0], [frontier], builder.parts).trim()


class _TemplateBuilder:
    """Growing transition lists for `template_nfa`, with each state's part index."""

    def __init__(self) -> None:
        self.out: list[list[Transition]] = [[]]
        self.parts: dict[int, int] = {0: -1}

    def new_state(self, part: int) -> int:
        self.out.append([])
        self.parts[len(self.out) - 1] = part
        return len(self.out) - 1

    def add(self, source: int, label: CharSet, target: int) -> None:
        if not label.is_empty:
            self.out[source].append((label, target))

    def add_unit(
        self, source: int, target: int, unit: tuple[CharSet, CharSet, CharSet], part: int
    ) -> None:
        """One value character: a plain one, or the escape followed by a special one."""
        plain, special, escape = unit
        self.add(source, plain, target)
        if not special.is_empty:
            escaped = self.new_state(part)
            self.add(source, escape, escaped)
            self.add(escaped, special, target)


def _effective_domain(variable: Variable, domain: ValueDomain | None) -> ValueDomain:
    if variable.width is not None:
        return ValueDomain(_DIGITS, variable.width, variable.width)
    return domain if domain is not None else ValueDomain(_ANY)


def _folded(domain: ValueDomain) -> ValueDomain:
    """The domain of a value once `str.lower()` wrote it.

    A character that lower-cases to several makes the value longer: its length is then only
    bounded below (each character writes at least one).
    """
    charset = domain.charset
    folded = charset.lowered()
    if folded is charset:
        return domain
    fixed = charset.folds_to_one_character
    return ValueDomain(folded, domain.min_length, domain.max_length if fixed else None)


def _length_bounds(domain: ValueDomain) -> tuple[int | None, bool]:
    """(minimum length, whether it is also the maximum); (None, _) when no value fits."""
    low = max(domain.min_length, 1)
    high = domain.max_length
    if high is not None and high < low:
        return None, False
    if high == low and low <= MAX_TRACKED_LENGTH:
        return low, True
    # Past the tracked range, a shorter minimum only enlarges the language: still sound.
    return min(low, MAX_TRACKED_LENGTH), False


def _unit_sets(charset: CharSet, encoding: Encoding) -> tuple[CharSet, CharSet]:
    """Characters written as themselves, and characters written after the escape."""
    if not encoding.escape:
        return charset, CharSet.empty()
    special = encoding.special
    return charset - special, charset & special


# -- parsing keys back -----------------------------------------------------------------------


def _split(template: KeyTemplate, nfa: Nfa, text: str, run: list[int]) -> dict[str, str]:
    """The variable values along a run; `run[i]` is the state after reading `text[i]`."""
    values = dict.fromkeys(template.variable_names, "")
    for ch, state in zip(text, run, strict=True):
        part = template.parts[nfa.state_part[state]]
        if isinstance(part, Variable):
            values[part.name] += ch
    return values


def parse_key(
    template: KeyTemplate, domains: Mapping[str, ValueDomain], encoding: Encoding, key: str
) -> dict[str, str] | None:
    """One assignment of encoded variable values that renders to `key`, or None."""
    nfa = template_nfa(template, domains, encoding)
    # layers[i][state] = the state before reading key[i] on the first path found.
    layers: list[dict[int, int]] = []
    current: list[int] = sorted(nfa.start)
    for ch in key:
        nxt: dict[int, int] = {}
        for state in current:
            for label, target in nfa._out[state]:
                if target not in nxt and ch in label:
                    nxt[target] = state
        if not nxt:
            return None
        layers.append(nxt)
        current = list(nxt)
    finals = sorted(s for s in current if s in nfa.accept)
    if not finals:
        return None
    run: list[int] = []
    state = finals[0]
    for layer in reversed(layers):
        run.append(state)
        state = layer[state]
    run.reverse()
    return _split(template, nfa, key, run)


def ambiguity_witness(
    template: KeyTemplate, domains: Mapping[str, ValueDomain], encoding: Encoding
) -> tuple[str, dict[str, str], dict[str, str]] | None:
    """A key that two different assignments produce, with both (encoded values); or None.

    Two runs of the template automaton over the same key are tracked together; they have
    diverged once they stand in different states, which (parts being deterministic) means
    they split the key differently. A shortest key where diverged runs both accept is the
    witness. None proves the template injective over the domains.
    """
    nfa = template_nfa(template, domains, encoding)
    meet = _LabelMeet()
    parent: dict[_Node, tuple[_Node, CharSet] | None] = {}
    queue: deque[_Node] = deque()
    for s in sorted(nfa.start):
        parent[(s, s, False)] = None
        queue.append((s, s, False))
    while queue:
        node = queue.popleft()
        p, q, diverged = node
        if diverged and p in nfa.accept and q in nfa.accept:
            return _ambiguity_result(template, nfa, node, parent)
        for label_p, tp in nfa._out[p]:
            for label_q, tq in nfa._out[q]:
                # Before divergence the pair is symmetric: exploring one order suffices.
                if not diverged and tp > tq:
                    continue
                label = meet(label_p, label_q)
                if label.is_empty:
                    continue
                target = (tp, tq, diverged or tp != tq)
                if target not in parent:
                    parent[target] = (node, label)
                    queue.append(target)
    return None


def _ambiguity_result(
    template: KeyTemplate,
    nfa: Nfa,
    node: _Node,
    parent: Mapping[_Node, tuple[_Node, CharSet] | None],
) -> tuple[str, dict[str, str], dict[str, str]]:
    chars: list[str] = []
    first: list[int] = []
    second: list[int] = []
    step = parent[node]
    current = node
    while step is not None:
        previous, label = step
        chars.append(label.sample())
        first.append(current[0])
        second.append(current[1])
        current = previous
        step = parent[previous]
    text = "".join(reversed(chars))
    first.reverse()
    second.reverse()
    return text, _split(template, nfa, text, first), _split(template, nfa, text, second)
