"""Root pytest configuration: applies to the tests and to the package's doctests.

Figures are drawn off screen (Agg) and closed after each test.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
