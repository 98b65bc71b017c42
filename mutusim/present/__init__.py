"""Presentation, in French: labels, the one number formatter, plots, report, workbook, display."""
