"""docs/reliability.md names real tests, and its counts are the suite's own collection."""

from __future__ import annotations

from tests.contracts.reliability import DOC, collected_counts, rewrite, row_tests


def test_every_row_names_real_tests_with_true_counts() -> None:
    doc = DOC.read_text()
    ids = [i for line in doc.splitlines() if line.startswith("| ") for i in row_tests(line)]
    assert len({i.split("::")[0] for i in ids}) >= 10, "the table names too few test files"
    counts = collected_counts(sorted({i.split("::")[0] for i in ids}))
    missing = [i for i in ids if counts[i] == 0]
    assert not missing, f"docs/reliability.md names tests that do not exist: {missing}"
    assert rewrite(doc, counts) == doc, (
        "docs/reliability.md counts disagree with the suite: "
        "run .venv/bin/python -m tests.contracts.reliability"
    )
