"""``python -m riskoff``: the same command line as the ``riskoff`` script."""

from riskoff.cli import main

main()
