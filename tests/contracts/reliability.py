"""Rewrite the `cases` column of docs/reliability.md from the test suite's own collection.

Each table row names tests (``tests/...::name``); the count is how many cases pytest collects
for them (every parametrised case counts once). ``tests/contracts/test_reliability_doc.py``
fails when the document and the suite disagree; this script is how the document is brought
back in step: ``.venv/bin/python -m tests.contracts.reliability``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "reliability.md"
TEST_ID = re.compile(r"`(tests/[^`]+::[^`]+)`")


def collected_counts(files: list[str]) -> Counter[str]:
    """How many cases pytest collects for each test function in ``files``."""
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *files],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return Counter(re.sub(r"\[.*$", "", line) for line in out.splitlines() if "::" in line)


def row_tests(row: str) -> list[str]:
    """The test ids a table row names (in its second-to-last cell)."""
    cells = [c.strip() for c in row.strip().strip("|").split("|")]
    return TEST_ID.findall(cells[-2]) if len(cells) >= 2 else []


def rewrite(doc: str, counts: Counter[str]) -> str:
    """``doc`` with every row's last cell set to the collected count of its tests."""
    lines = []
    for line in doc.splitlines():
        ids = row_tests(line) if line.startswith("| ") else []
        if ids:
            cells = line.rstrip().rstrip("|").split("|")
            cells[-1] = f" {sum(counts[i] for i in ids)} "
            line = "|".join(cells) + "|"
        lines.append(line)
    return "\n".join(lines) + "\n"


def main() -> int:
    doc = DOC.read_text()
    ids = [i for ln in doc.splitlines() if ln.startswith("| ") for i in row_tests(ln)]
    counts = collected_counts(sorted({i.split("::")[0] for i in ids}))
    missing = [i for i in ids if counts[i] == 0]
    if missing:
        print("docs/reliability.md names tests that do not exist:", *missing, sep="\n  ")
        return 1
    new = rewrite(doc, counts)
    if new != doc:
        DOC.write_text(new)
        print("docs/reliability.md: counts updated")
    total = sum(counts[i] for i in set(ids))
    print(f"{total} cases in {len(set(ids))} tests")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
