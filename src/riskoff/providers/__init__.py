"""Providers: the only code that reads data from outside (files, HTTP).

Each provider turns its source into canonical frames: one per symbol, columns ``date``
(datetime64, naive, the observation date) and ``value`` (float64), sorted, no duplicates.
"""
