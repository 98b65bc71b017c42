"""Execute every notebook of notebooks/, export it to HTML without code, and read it as the committee.

The notebooks must run from a fresh clone; their export for sharing
(``mutusim notebook-html``) must hide the code and show French done right
(``tests/french_text.py``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import nbformat
import pytest
from french_text import html_text, problems

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_stripped(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs"), f"{path.name}: outputs must be stripped"
            assert cell.get("execution_count") is None, (
                f"{path.name}: execution counts must be stripped"
            )


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_and_exports_without_code(path: Path, tmp_path: Path) -> None:
    import mutusim as ms
    from mutusim.core import rulebook
    from mutusim.present.notebook_export import export_notebook

    out = export_notebook(path, tmp_path)
    assert out == tmp_path / f"{path.stem}.html"
    page = out.read_text(encoding="utf-8")
    text = html_text(page)
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:  # no line of code reaches the reader
        if cell.cell_type == "code":
            for line in str(cell.source).splitlines():
                if len(line.strip()) > 12:
                    assert line.strip() not in text, (path.name, line)
    assert "<img" in page
    assert "No description has been provided" not in page
    codes = [
        c
        for c in [
            *ms.datasets.angers().services.index,
            *(f.name for f in dataclasses.fields(ms.Scenario)),
            *(r.name for r in rulebook.RULES),
        ]
        if c not in {"juridique", "informatique", "imprimerie", "communication", "force"}
    ]
    found = problems(text, codes, path.name)
    assert not found, "\n".join(found)
