"""Pure indicator functions: frames or arrays in, series or frames out. No I/O, no globals.

Modules: :mod:`.stats` (causal percentiles, rolling helpers), :mod:`.moves` (returns,
sigma-moves, drawdowns), :mod:`.cross` (breadth, safe-haven failure), :mod:`.matrix`
(average correlation, absorption ratio, turbulence), :mod:`.liquidity` (funding spreads,
reserves, net liquidity), :mod:`.stress` (riskoff's stress index) and :mod:`.features`
(the feature table of ``docs/features.md``).
"""
