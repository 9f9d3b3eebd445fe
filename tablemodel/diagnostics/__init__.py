"""Diagnostics: located findings, the errors that carry them, and the registry of their codes."""

from tablemodel.diagnostics.diagnostic import (
    Diagnostic,
    Location,
    ModelLoadError,
    PathPart,
    Severity,
    Snippet,
    TableModelError,
    did_you_mean,
    exception_text,
    format_path,
    quoted,
)

__all__ = [
    "Diagnostic",
    "Location",
    "ModelLoadError",
    "PathPart",
    "Severity",
    "Snippet",
    "TableModelError",
    "did_you_mean",
    "exception_text",
    "format_path",
    "quoted",
]
