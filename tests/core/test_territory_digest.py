"""Territory.digest: equal data, equal digests, in any process (the robustness journal's key)."""

from __future__ import annotations

import subprocess
import sys

import mutusim as ms


def test_equal_data_give_equal_digests_and_any_cell_moves_it():
    t = ms.examples.tiny()
    assert t.digest() == ms.examples.tiny().digest()
    assert len(t.digest()) == 40
    b = t.baseline.copy()
    b.iloc[0, b.columns.get_loc("cost")] += 1.0
    moved = ms.territory_from_frames(t.epci, t.communes, t.services, b, t.modes)
    assert moved.digest() != t.digest()
    assert t.subset(max_population=2000).digest() != t.digest()
    renamed = dict(t.epci, name="Autre nom")
    other = ms.territory_from_frames(renamed, t.communes, t.services, t.baseline, t.modes)
    assert other.digest() != t.digest()


def test_the_digest_is_the_same_in_another_process():
    code = "import mutusim as ms; print(ms.examples.tiny().digest())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ms.examples.tiny().digest()
