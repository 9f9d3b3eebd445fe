"""The library's front door: load a model and check it. The CLI is a thin layer over this."""

from __future__ import annotations

import os
from collections.abc import Sequence

from tablemodel.check import run_checks
from tablemodel.design import Design, build_design
from tablemodel.results.check_report import CheckReport
from tablemodel.schema.loader import LoadedModel, load_model
from tablemodel.schema.model import Model

__all__ = ["check", "check_model", "design_of", "load"]


def load(target: str | os.PathLike[str]) -> LoadedModel:
    """Load a model file, a folder holding `tablemodel.yaml`, or `module:attribute`.

    Raises `ModelLoadError` with every problem found, located.
    """
    return load_model(target)


def design_of(model: Model | LoadedModel) -> Design:
    if isinstance(model, LoadedModel):
        return build_design(model.model, model)
    return build_design(model)


def check_model(
    model: Model | LoadedModel, *, select: Sequence[str] = (), ignore: Sequence[str] = ()
) -> CheckReport:
    """Check a loaded (or Python-built) model statically."""
    return run_checks(design_of(model), select=select, ignore=ignore)


def check(
    target: str | os.PathLike[str], *, select: Sequence[str] = (), ignore: Sequence[str] = ()
) -> CheckReport:
    """Load and check; raises `ModelLoadError` when the model cannot be loaded."""
    return check_model(load(target), select=select, ignore=ignore)
