"""Smoke test of benchmarks/run.py: ``--quick`` runs and writes the expected JSON.

Times are never asserted (they depend on the machine); only that the script
runs, exits 0 and records every measurement.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "run.py"

LAYOUT_KEYS = {
    "sub_models",
    "num_variables",
    "num_constraints",
    "build_seconds",
    "bridge_seconds",
    "run_in_bridge_seconds",
    "handover_seconds",
    "solver_only_seconds",
    "status",
    "solver_only_status",
    "objective",
    "gap",
    "build_over_solve",
}
OPTIMISE_KEYS = {"decompose", "seconds", "build_seconds", "solve_seconds", "status", "objective"}


def test_quick_benchmark_runs(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| (1) build, PuLP [s] |" in proc.stdout

    data = json.loads(out.read_text(encoding="utf-8"))
    assert {"schema_version", "started", "finished", "machine", "cases", "quick"} <= data.keys()
    assert data["quick"] is True
    assert {"nproc", "cpu_model", "python", "pulp", "highspy"} <= data["machine"].keys()
    assert list(data["cases"]) == ["angers"]
    case = data["cases"]["angers"]
    assert {"territory", "repeat", "whole", "decomposed", "optimise"} <= case.keys()
    assert case["repeat"] == 1
    for layout in ("whole", "decomposed"):
        m = case[layout]
        assert m.keys() >= LAYOUT_KEYS, LAYOUT_KEYS - m.keys()
        assert m["num_variables"] > 0
        assert m["num_constraints"] > 0
        assert m["status"] in ("optimal", "feasible")
        for key in ("build_seconds", "bridge_seconds", "solver_only_seconds"):
            assert m[key] >= 0
    assert case["whole"]["sub_models"] == 1
    assert case["decomposed"]["sub_models"] == case["territory"]["services"]
    assert len(case["decomposed"]["parts"]) == case["territory"]["services"]
    for label, decompose in (("whole", False), ("decomposed", True)):
        run = case["optimise"][label]
        assert run.keys() >= OPTIMISE_KEYS
        assert run["decompose"] is decompose
        assert run["seconds"] >= 0
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"], (
        "the atomic write left a temporary file"
    )


def test_national_benchmarks_run(tmp_path: Path) -> None:
    """benchmarks/national.py (Dask, 1 worker) and national_loop.py on two tiny EPCIs."""
    record = tmp_path / "national.jsonl"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "national.py"),
            "--workers", "1",
            "--out", str(tmp_path / "run"),
            "--filter", "siren=200050532,200060457",
            "--json", str(record),
        ],  # fmt: skip
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(record.read_text(encoding="utf-8"))
    assert data["epcis"] == 2
    assert data["statuses"] == {"optimal": 2}
    assert data["workers"] == 1
    assert len(data["peak_rss_mb_per_worker"]) == 1
    assert data["workers_cpu_seconds"] > 0
    assert data["wall_seconds"] > 0

    loop = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "national_loop.py"), "--limit", "2",
         "--out", str(tmp_path / "loop.parquet")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert loop.returncode == 0, loop.stderr[-3000:]
    assert "2 EPCIs" in loop.stdout
