"""The package installs and runs from a wheel, with no clone and no Makefile.

Build the wheel, install it into a fresh virtual environment, and run
``mutusim --version`` and ``mutusim demo`` from another folder: the reference
data and the scenarios must come from inside the package.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

import mutusim as ms

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _run(cmd: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, timeout=900)


def test_wheel_installs_and_runs_the_demo_from_another_folder(tmp_path):
    dist = tmp_path / "dist"
    built = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-w",
            str(dist),
            str(ROOT),
        ],
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next(dist.glob("mutusim-*.whl"))
    names = __import__("zipfile").ZipFile(wheel).namelist()
    for needed in (
        "mutusim/data/communes_2026.csv",
        "mutusim/data/epci_2026.csv",
        "mutusim/data/calibration/service_values.csv",
        "mutusim/data/calibration/template.md",
        "mutusim/scenarios/angers.yaml",
        "mutusim/py.typed",
    ):
        assert needed in names, f"{needed} is not in the wheel"

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    # Dependencies from the pip cache (or the index); mutusim itself from the wheel only.
    installed = _run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr[-2000:]

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MUTUSIM_DATA")}
    env["MPLBACKEND"] = "Agg"
    mutusim = env_dir / "bin" / "mutusim"
    version = _run([str(mutusim), "--version"], cwd=elsewhere, env=env)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"mutusim {ms.__version__}"
    where = _run(
        [str(python), "-c", "import mutusim; print(mutusim.__file__)"], cwd=elsewhere, env=env
    )
    assert str(env_dir) in where.stdout, where.stdout  # not the source tree
    demo = _run([str(mutusim), "demo", "--out", "out"], cwd=elsewhere, env=env)
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert (elsewhere / "out" / "rapport.html").is_file()
    assert (elsewhere / "out" / "resultats.xlsx").is_file()
    assert "Angers Loire Métropole" in demo.stdout
