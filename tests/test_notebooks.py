"""Execute every notebook of notebooks/ (they must run from a fresh clone)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 1


#: The smallest EPCIs of Maine-et-Loire and Sarthe (5-7 communes): the national result
#: 04_france.ipynb reads in the tests.
NATIONAL_SUBSET = ["247200421", "200060010", "244900882", "247200447"]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if path.name == "04_france.ipynb":
        from mutusim.analysis.national import screen

        screen(NATIONAL_SUBSET, out=tmp_path / "national", workers=1, progress=False)
        monkeypatch.setenv("MUTUSIM_NATIONAL", str(tmp_path / "national"))
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs"), f"{path.name}: outputs must be stripped"
            assert cell.get("execution_count") is None, (
                f"{path.name}: execution counts must be stripped"
            )
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
