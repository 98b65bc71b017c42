"""The documentation generated from the declarations stays in step with them."""

from __future__ import annotations

from pathlib import Path

from mutusim.core import schema
from mutusim.inputs.calibration import calibration_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_data_format_doc_is_generated_from_the_schema():
    doc = (ROOT / "docs" / "data-format.md").read_text(encoding="utf-8")
    assert doc == schema.markdown(), "docs/data-format.md is out of date: run `make docs`"


def test_calibration_doc_is_generated_from_the_data_files():
    doc = (ROOT / "docs" / "calibration.md").read_text(encoding="utf-8")
    assert doc == calibration_markdown(), "docs/calibration.md is out of date: run `make docs`"


def test_every_column_has_a_unit_and_a_description():
    for table in schema.TABLES:
        for column in table.columns:
            assert column.unit, (table.name, column.name)
            assert column.description.strip(), (table.name, column.name)
