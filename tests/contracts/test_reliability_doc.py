"""docs/reliability.md names real tests with true case counts."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter

from tests.conftest import REPO


def test_every_row_names_real_tests_with_true_counts() -> None:
    doc = (REPO / "docs" / "reliability.md").read_text()
    rows = [ln for ln in doc.splitlines() if ln.startswith("| ") and "`tests/" in ln]
    assert len(rows) >= 15
    wanted: list[tuple[list[str], int]] = []
    for row in rows:
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        ids = re.findall(r"`(tests/[^`]+::[^`]+)`", cells[-2])
        assert ids, row
        wanted.append((ids, int(cells[-1])))
    files = sorted({i.split("::")[0] for ids, _ in wanted for i in ids})
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *files],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    collected = Counter(re.sub(r"\[.*$", "", line) for line in out.splitlines() if "::" in line)
    for ids, count in wanted:
        for i in ids:
            assert collected[i] > 0, f"docs/reliability.md names {i}, which does not exist"
        assert sum(collected[i] for i in ids) == count, (ids, count)
