"""riskoff for AI assistants: an MCP server (``riskoff mcp``) whose tools call the same
use-cases as the command line (:mod:`riskoff.mcp.tools`), registered on the official MCP
SDK in :mod:`riskoff.mcp.server` (the optional extra ``riskoff[mcp]``)."""
