"""The small library that generated service code imports: the key codec.

Only the standard library and tablemodel's key-language modules (`templates`, `charset`,
`automata`) may be imported here: no pydantic, boto3, moto, rich or click.
"""

from __future__ import annotations

from tablemodel.runtime.keys import (
    PARTITION_KEY_MAX_BYTES,
    SORT_KEY_MAX_BYTES,
    KeyCodec,
    KeyValueError,
    PartSpec,
)

__all__ = [
    "PARTITION_KEY_MAX_BYTES",
    "SORT_KEY_MAX_BYTES",
    "KeyCodec",
    "KeyValueError",
    "PartSpec",
]
