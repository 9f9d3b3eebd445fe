"""The package builds cleanly: an SPDX license expression, and no deprecation warning about it.

setuptools 77 deprecated `license = { text = ... }` and warns on every build and install;
the SPDX string form (`license = "Apache-2.0"`) needs setuptools>=77 to build at all. The
build runs the PEP 517 hooks of the virtualenv's own setuptools (the dev extra pins it) on a
copy of the project, so it needs no network and leaves nothing in the working tree.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import textwrap
import tomllib
import zipfile
from pathlib import Path

import tablemodel

ROOT = Path(__file__).resolve().parent.parent

BUILD = textwrap.dedent(
    """
    import os, sys
    import setuptools.build_meta as backend

    os.makedirs("dist")
    print("wheel:", backend.build_wheel("dist"))
    print("sdist:", backend.build_sdist("dist"))
    """
)


def test_the_license_is_an_spdx_expression() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "Apache-2.0"
    assert "setuptools>=77" in project["build-system"]["requires"]


def test_wheel_and_sdist_build_without_a_license_deprecation_warning(tmp_path: Path) -> None:
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(
        ROOT / "tablemodel",
        tmp_path / "tablemodel",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )

    done = subprocess.run(
        [sys.executable, "-W", "always", "-c", BUILD],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    warned = [
        line
        for line in output.lower().splitlines()
        if "licen" in line and ("deprecat" in line or "warning" in line)
    ]
    assert warned == [], output
    version = tablemodel.__version__
    wheel = tmp_path / "dist" / f"tablemodel-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(f"tablemodel-{version}.dist-info/METADATA").decode()
    assert "License-Expression: Apache-2.0" in metadata.splitlines()
    assert not any(line.startswith("License: ") for line in metadata.splitlines())
    with tarfile.open(tmp_path / "dist" / f"tablemodel-{version}.tar.gz") as sdist:
        pkg_info = sdist.extractfile(f"tablemodel-{version}/PKG-INFO")
        assert pkg_info is not None
        assert "License-Expression: Apache-2.0" in pkg_info.read().decode().splitlines()
