"""`account-intel mcp`: the agents' read tools and their draft tool, served to outside agents over MCP."""
