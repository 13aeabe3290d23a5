"""The three agents: specs (content), output schemas, and their rules and llm brains."""
