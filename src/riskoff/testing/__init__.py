"""Tools for testing riskoff without a network: a local emulator of its live providers.

See :mod:`riskoff.testing.emulator`.
"""

from __future__ import annotations

__all__: list[str] = []
