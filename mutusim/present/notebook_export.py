"""Notebooks for sharing: executed, exported to HTML without their code (nbclient, nbconvert).

The committee reads the notebooks' tables and figures, not their code:
:func:`export_notebook` runs a notebook from its own folder (so relative
paths work as in JupyterLab), then writes one self-contained HTML file with
the input cells and the prompts left out. ``mutusim notebook-html`` and
``make notebooks-html`` call it. It needs the ``notebooks`` extra
(``pip install "mutusim[notebooks]"``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mutusim._files import atomic_write
from mutusim.errors import MutusimError

__all__ = ["export_notebook", "export_notebooks", "notebook_html"]


def _libraries() -> tuple[Any, Any, Any]:
    try:
        import nbformat
        from nbclient import NotebookClient
        from nbconvert import HTMLExporter
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise MutusimError(
            f"l'export des carnets demande {exc.name} : installez mutusim[notebooks] "
            '(pip install "mutusim[notebooks]")'
        ) from None
    return nbformat, NotebookClient, HTMLExporter


def notebook_html(
    path: str | os.PathLike[str],
    *,
    execute: bool = True,
    timeout: float = 600.0,
    kernel: str = "python3",
) -> str:
    """A notebook as HTML without its input cells (executed first by default).

    Parameters
    ----------
    path : str or path-like
        The ``.ipynb`` file.
    execute : bool
        Run every cell first, in the notebook's folder (False: export the
        outputs it holds).
    timeout : float
        Time allowed to each cell [s].
    kernel : str
        Jupyter kernel name.

    Returns
    -------
    str
        The HTML document.

    Raises
    ------
    MutusimError
        The notebook cannot be read, or a cell fails (its error is named).
    """
    nbformat, notebook_client, html_exporter = _libraries()
    p = Path(path)
    try:
        nb = nbformat.read(p, as_version=4)
    except (OSError, ValueError) as exc:
        raise MutusimError(f"{p}: carnet illisible ({exc})") from None
    if execute:
        client = notebook_client(
            nb,
            timeout=timeout,
            kernel_name=kernel,
            resources={"metadata": {"path": str(p.parent)}},
        )
        try:
            client.execute()
        except Exception as exc:  # a failing cell: say which notebook, keep it short
            name = type(exc).__name__
            first = str(exc).strip().splitlines()[-1] if str(exc).strip() else name
            raise MutusimError(f"{p.name} : une cellule a échoué ({first})") from exc
    exporter = html_exporter(template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": p.stem}})
    return _alt_texts(str(body), _figure_sections(nb))


def _figure_sections(nb: Any) -> list[str]:
    """For each figure a notebook outputs, in order, the heading of the section it belongs to."""
    heading = "le carnet"
    out = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in str(cell.source).splitlines():
                if line.startswith("#"):
                    heading = line.lstrip("#").strip()
                    break
        elif cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if "image/png" in output.get("data", {}):
                    out.append(heading)
    return out


def _alt_texts(document: str, sections: list[str]) -> str:
    """French alternative texts for the figures (nbconvert writes an English placeholder)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(document, features="html.parser")
    images = [img for img in soup.find_all("img") if str(img.get("src", "")).startswith("data:")]
    for k, img in enumerate(images):
        section = sections[k] if k < len(sections) else "le carnet"
        img["alt"] = (
            f"Figure de la partie « {section} » : son titre, ses unités et sa source sont "
            "écrits dans l'image."
        )
    return str(soup)


def export_notebook(
    path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    execute: bool = True,
    timeout: float = 600.0,
) -> Path:
    """Execute a notebook and write ``<out_dir>/<name>.html`` without its code, atomically.

    Parameters
    ----------
    path : str or path-like
        The ``.ipynb`` file.
    out_dir : str or path-like
        Output folder (created if needed).
    execute : bool
        Run it first.
    timeout : float
        Time allowed to each cell [s].

    Returns
    -------
    Path
        The HTML file.
    """
    text = notebook_html(path, execute=execute, timeout=timeout)
    target = Path(out_dir) / (Path(path).stem + ".html")
    return atomic_write(target, lambda t: t.write_text(text, encoding="utf-8"))


def export_notebooks(
    paths: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    execute: bool = True,
    timeout: float = 600.0,
) -> list[Path]:
    """Export several notebooks (see :func:`export_notebook`), in order.

    Parameters
    ----------
    paths : sequence of path-like
        The ``.ipynb`` files.
    out_dir : str or path-like
        Output folder.
    execute : bool
        Run them first.
    timeout : float
        Time allowed to each cell [s].

    Returns
    -------
    list of Path
    """
    return [export_notebook(p, out_dir, execute=execute, timeout=timeout) for p in paths]
