"""What riskoff knows, as data: the universe of asset classes, the suspects and the
episodes. Each is written once, in ``riskoff/data/*.toml`` (a user extends the suspects
and episodes in ``$RISKOFF_HOME``), and read here by small typed loaders that every
layer above may use. Nothing here imports an engine, a store or a provider.
"""
