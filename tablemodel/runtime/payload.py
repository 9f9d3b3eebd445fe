"""The bytes a chunked record stores for its payload: the `json` and `binary` codecs.

`json` is canonical (keys sorted, no spaces) and exact: integers and `Decimal`s are written
digit for digit and a `float` is refused, as boto3 refuses it, since it would read back as
another number. Either codec may be wrapped in zlib. Only the standard library is imported.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

__all__ = ["CODECS", "Codec", "decode_payload", "encode_payload"]

Codec = Literal["json", "binary"]

CODECS: tuple[Codec, ...] = ("json", "binary")


def encode_payload(value: object, codec: Codec = "json", compress: bool = False) -> bytes:
    """The bytes stored for ``value``.

    ``json``: canonical JSON in UTF-8 (keys sorted, no spaces), numbers exact: ``int`` and
    ``Decimal`` are written digit for digit; ``float`` is refused, as boto3 refuses it, since
    it reads back as a different number (use ``Decimal(str(x))``). ``binary``: the bytes as
    they are. ``compress`` wraps either in zlib. Raises `TypeError` or `ValueError` for a value
    the codec cannot hold.
    """
    if codec == "json":
        parts: list[str] = []
        _json_parts(value, parts)
        data = "".join(parts).encode("utf-8")
    elif codec == "binary":
        if not isinstance(value, bytes | bytearray | memoryview):
            raise TypeError(f"the binary codec stores bytes, not {type(value).__name__}")
        data = bytes(value)
    else:
        raise ValueError(f"unknown codec {codec!r}: use one of {', '.join(CODECS)}")
    return zlib.compress(data) if compress else data


def decode_payload(data: bytes, codec: Codec = "json", compressed: bool = False) -> Any:
    """The value `encode_payload` stored as ``data`` (JSON numbers with a point or an exponent
    come back as ``Decimal``, arrays as lists)."""
    raw = zlib.decompress(data) if compressed else data
    if codec == "json":
        return json.loads(raw.decode("utf-8"), parse_float=Decimal)
    if codec == "binary":
        return raw
    raise ValueError(f"unknown codec {codec!r}: use one of {', '.join(CODECS)}")


def _json_parts(value: object, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True or value is False:
        out.append("true" if value else "false")
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"JSON has no {value}")
        out.append(str(value))
    elif isinstance(value, float):
        raise TypeError(
            f"float {value!r} would read back as a Decimal of a different value; "
            "pass Decimal(str(x)) or an int"
        )
    elif isinstance(value, list | tuple):
        if all(type(element) is int or type(element) is str for element in value):
            # A list of plain ints and strings is canonical as the C encoder writes it.
            out.append(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
            return
        out.append("[")
        for position, element in enumerate(value):
            if position:
                out.append(",")
            _json_parts(element, out)
        out.append("]")
    elif isinstance(value, Mapping):
        if not all(isinstance(name, str) for name in value):
            raise TypeError("JSON object keys must be str")
        out.append("{")
        for position, name in enumerate(sorted(value)):
            if position:
                out.append(",")
            out.append(json.dumps(name, ensure_ascii=False))
            out.append(":")
            _json_parts(value[name], out)
        out.append("}")
    else:
        raise TypeError(f"the json codec cannot store {type(value).__name__}")
