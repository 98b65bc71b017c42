"""One consistent result folder: written as a whole, locked, with a manifest (issue 7.7)."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import mutusim as ms
from mutusim.errors import OutputError
from mutusim.inputs.io import write_folder
from mutusim.present import outputs
from mutusim.present.outputs import MANIFEST, read_manifest, write_outputs

ROOT = Path(__file__).resolve().parents[2]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def results() -> dict[str, ms.Result]:
    t = ms.examples.tiny()
    return {
        "base": ms.optimise(t),
        "sans_transfert": ms.optimise(
            t, ms.Scenario(name="sans_transfert", allowed_modes=("keep", "share"))
        ),
    }


def assert_consistent(folder: Path) -> dict:
    """Every file of the folder is listed in its manifest with its checksum, and nothing else."""
    manifest = read_manifest(folder)
    on_disk = {f.name for f in folder.iterdir()} - {MANIFEST}
    assert on_disk == set(manifest["files"])
    for name, digest in manifest["files"].items():
        assert sha(folder / name) == digest, name
    summary = pd.read_csv(folder / "summary.csv").set_index("indicator")["value"]
    assert summary["scenario"] == manifest["scenario"]["name"]
    return manifest


def test_the_set_and_its_manifest(tmp_path, results):
    src = write_folder(ms.examples.tiny(), tmp_path / "terr")
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: base\n", encoding="utf-8")
    out = tmp_path / "out"
    paths = write_outputs(results["base"], out, inputs=[src, scenario])
    assert {"decisions", "workbook", "report", "manifest"} <= set(paths)
    assert all(p.parent == out and p.is_file() for p in paths.values())
    m = assert_consistent(out)
    assert m["generator"] == "mutusim"
    assert m["mutusim"] == ms.__version__
    assert m["status"] == "optimal"
    assert m["scenario"]["name"] == "base"
    assert m["scenario"]["allowed_modes"] == ["keep", "share", "transfer"]
    assert m["territory"]["name"] == "CC Exemple"
    assert len(m["territory"]["tables_sha256"]) == 64
    folder_entry, scenario_entry = m["inputs"]
    assert folder_entry["files"] == {f.name: sha(f) for f in src.iterdir()}
    assert scenario_entry["sha256"] == sha(scenario)
    for lib in ("pandas", "pulp", "highspy", "openpyxl"):
        assert m["versions"][lib]
    assert not list(tmp_path.glob(".out.*"))  # no staging, old folder or lock left


def test_a_second_run_replaces_the_whole_set(tmp_path, results):
    out = tmp_path / "out"
    write_outputs(results["base"], out)
    (out / "roadmap.csv").unlink()  # as if the first set lacked a table
    write_outputs(results["sans_transfert"], out)
    assert assert_consistent(out)["scenario"]["name"] == "sans_transfert"


def test_a_failed_write_leaves_the_previous_set_whole(tmp_path, results, monkeypatch):
    out = tmp_path / "out"
    write_outputs(results["base"], out)
    before = {f.name: sha(f) for f in out.iterdir()}

    def broken(*args, **kwargs):
        raise RuntimeError("killed while rendering the report")

    monkeypatch.setattr(outputs, "write_html", broken)
    with pytest.raises(RuntimeError, match="killed"):
        write_outputs(results["sans_transfert"], out)
    assert {f.name: sha(f) for f in out.iterdir()} == before  # old tables beside the old report
    assert not list(tmp_path.glob(".out.*"))


def test_leftovers_of_a_killed_run_are_cleaned(tmp_path, results):
    out = tmp_path / "out"
    (tmp_path / ".out.staging-dead").mkdir()
    (tmp_path / ".out.staging-dead" / "decisions.csv").write_text("half")
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    lock = tmp_path / ".out.mutusim-lock"
    lock.write_text(
        json.dumps({"pid": int(dead.stdout), "host": socket.gethostname(), "since": 0})
    )
    write_outputs(results["base"], out, wait=1)
    assert_consistent(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_folder_being_written_by_a_live_run_is_not_touched(tmp_path, results):
    out = tmp_path / "out"
    lock = tmp_path / ".out.mutusim-lock"
    lock.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": 0}))
    with pytest.raises(OutputError, match=r"another mutusim run \(pid \d+ on .*\) is writing"):
        write_outputs(results["base"], out, wait=0.5)
    assert not out.exists()
    assert lock.exists()


def test_foreign_files_are_not_overwritten_without_force(tmp_path, results):
    out = tmp_path / "out"
    out.mkdir()
    (out / "budget 2026.xlsx").write_text("the finance department's own file")
    with pytest.raises(OutputError, match=r"holds files that mutusim did not write \(budget 2026"):
        write_outputs(results["base"], out)
    assert sorted(p.name for p in out.iterdir()) == ["budget 2026.xlsx"]
    write_outputs(results["base"], out, force=True)
    write_outputs(results["sans_transfert"], out, force=True)
    assert (out / "budget 2026.xlsx").read_text() == "the finance department's own file"
    m = read_manifest(out)
    assert m["scenario"]["name"] == "sans_transfert"
    for name, digest in m["files"].items():
        assert sha(out / name) == digest


def test_a_file_given_as_folder(tmp_path, results):
    (tmp_path / "out").write_text("x")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        write_outputs(results["base"], tmp_path / "out")


def test_a_previous_result_folder_without_manifest_is_ours(tmp_path, results):
    from mutusim.present.workbook import write_result

    out = tmp_path / "out"
    write_result(results["base"], out)  # as mutusim wrote folders before the manifest
    write_outputs(results["sans_transfert"], out)
    assert_consistent(out)


def run_cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "mutusim.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def test_two_concurrent_runs_leave_one_consistent_set(tmp_path):
    terr = write_folder(ms.examples.tiny(), tmp_path / "terr")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: base\noverrides:\n  sans_transfert: {allowed_modes: [keep, share]}\n",
        encoding="utf-8",
    )
    for trial in range(2):
        out = tmp_path / f"out{trial}"
        a = run_cli(
            "solve", "--territory", str(terr), "--scenario", str(scenario), "--out", str(out)
        )
        b = run_cli(
            "solve", "--territory", str(terr), "--scenario", str(scenario),
            "--name", "sans_transfert", "--out", str(out),
        )  # fmt: skip
        for p in (a, b):
            _, err = p.communicate(timeout=600)
            assert p.returncode == 0, err
        m = assert_consistent(out)
        assert m["scenario"]["name"] in ("base", "sans_transfert")
        assert not list(tmp_path.glob(f".out{trial}.*"))


def test_cli_refuses_a_folder_with_other_files_and_force_keeps_them(tmp_path):
    terr = str(write_folder(ms.examples.tiny(), tmp_path / "terr"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    p = subprocess.run(
        [sys.executable, "-m", "mutusim.cli", "solve", "--territory", terr, "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert p.returncode == 1
    assert p.stderr.count("\n") == 1
    assert "holds files that mutusim did not write (notes.txt)" in p.stderr
    assert "--force" in p.stderr
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "mutusim.cli",
            "solve",
            "--territory",
            terr,
            "--out",
            str(out),
            "--force",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert p.returncode == 0, p.stderr
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / MANIFEST).is_file()


def test_system_clutter_is_not_a_foreign_file(tmp_path, results):
    out = tmp_path / "out"
    write_outputs(results["base"], out)
    (out / ".DS_Store").write_bytes(b"\x00")  # the folder was browsed in the Finder
    write_outputs(results["sans_transfert"], out)
    assert read_manifest(out)["scenario"]["name"] == "sans_transfert"
