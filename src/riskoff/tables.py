"""Terminal tables that stay readable at any width: a table when it fits, stacked rows
when it does not.

A :class:`FitTable` is a rich renderable. Rendered at the console's width (``COLUMNS``,
or the terminal's), it draws an ordinary table when every column fits at its natural
width (wrapping columns may shrink to :data:`MIN_WRAP`); otherwise it stacks each row:
the key columns as a bold heading line, the other columns as ``name value`` pairs
wrapped under it. Nothing is cut with an ellipsis at 80 columns. The command line's
``stress``, ``series``, ``analogs`` and ``stress-index`` views use it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType, RenderResult

__all__ = ["MIN_WRAP", "Col", "FitTable"]

MIN_WRAP = 24
"""The narrowest a wrapping column may get before the table is stacked instead."""


@dataclass(frozen=True)
class Col:
    """A column: its header, alignment, whether it is part of a stacked row's heading
    (``key``) and whether its text may wrap inside a table (``wrap``)."""

    name: str
    justify: Literal["left", "right"] = "left"
    key: bool = False
    wrap: bool = False


def _width(text: str) -> int:
    return max((len(line) for line in text.split("\n")), default=0)


@dataclass(frozen=True)
class FitTable:
    """A table of plain strings (a cell may hold several lines) that stacks when the
    console is too narrow; see the module doc."""

    title: str
    cols: Sequence[Col]
    rows: Sequence[Sequence[str]]
    caption: str = ""

    def needed(self) -> int:
        """The width the table needs (borders and padding included)."""
        total = 1
        for i, c in enumerate(self.cols):
            natural = max([len(c.name), *(_width(r[i]) for r in self.rows)])
            total += (min(natural, MIN_WRAP) if c.wrap else natural) + 3
        return total

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self.needed() <= options.max_width:
            yield self._table()
        else:
            yield from self._stacked(options.max_width)

    def _table(self) -> RenderableType:
        from rich.table import Table
        from rich.text import Text

        t = Table(
            title=self.title or None,
            title_justify="left",
            caption=self.caption or None,
            caption_justify="left",
        )
        for c in self.cols:
            t.add_column(c.name, justify=c.justify, no_wrap=not c.wrap, ratio=1 if c.wrap else None)
        for r in self.rows:
            t.add_row(*(Text(v) for v in r))
        return t

    def _stacked(self, width: int) -> Iterator[RenderableType]:
        from rich.rule import Rule
        from rich.text import Text

        width = max(width, 20)
        if self.title:
            yield Text(self.title, style="italic")
        keys = [i for i, c in enumerate(self.cols) if c.key] or [0]
        for r in self.rows:
            yield Rule(style="dim", characters="─")
            head = "  ".join(r[i].split("\n")[0] for i in keys if r[i])
            for line in textwrap.wrap(head, width) or [""]:
                yield Text(line, style="bold")
            rest = [ln for i in keys for ln in r[i].split("\n")[1:]]
            for ln in rest:
                for line in textwrap.wrap(ln, width, initial_indent="  ", subsequent_indent="  "):
                    yield Text(line, style="dim")
            pairs = [
                f"{c.name} {r[i]}".replace("\n", " ")
                for i, c in enumerate(self.cols)
                if i not in keys and r[i].strip()
            ]
            body = " · ".join(pairs)
            for line in textwrap.wrap(
                body, width, initial_indent="  ", subsequent_indent="  ", break_on_hyphens=False
            ):
                yield Text(line)
        if self.caption:
            yield Rule(style="dim", characters="─")
            for line in textwrap.wrap(self.caption, width):
                yield Text(line)
