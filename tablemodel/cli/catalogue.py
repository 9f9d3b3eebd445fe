"""Every diagnostic code: codes register when the module that declares them is imported."""

from __future__ import annotations

from tablemodel.diagnostics import codes


def every_code() -> list[codes.CodeInfo]:
    """Every declared code, in order (importing the rules registers theirs)."""
    import tablemodel.check.rules  # noqa: PLC0415
    import tablemodel.export.iam  # noqa: PLC0415
    import tablemodel.generate.validate  # noqa: PLC0415
    import tablemodel.importers.workbench  # noqa: PLC0415
    import tablemodel.run.findings  # noqa: PLC0415
    import tablemodel.schema.problems  # noqa: PLC0415  (TM001-TM004, TM008, TM009)
    import tablemodel.schema.validation  # noqa: F401, PLC0415  (TM005-TM007)
    from tablemodel import design  # noqa: F401, PLC0415  (TM101-TM107)

    return codes.all_codes()


def find_code(code: str) -> codes.CodeInfo | None:
    """The entry of `code` (`TM401`) or of a code's name (`entity-isolation`)."""
    infos = every_code()
    return codes.get(code) or next((i for i in infos if i.name == code.lower()), None)
