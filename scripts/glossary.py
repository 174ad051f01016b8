"""Write ``docs/glossary.md`` from ``src/riskoff/data/glossary.toml``.

Usage: ``.venv/bin/python scripts/glossary.py`` (tests/unit/knowledge/test_glossary.py
fails while the page is out of step).
"""

from __future__ import annotations

from pathlib import Path

from riskoff.knowledge.glossary import glossary_markdown

if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1] / "docs" / "glossary.md"
    target.write_text(glossary_markdown(), encoding="utf-8")
    print(target)
