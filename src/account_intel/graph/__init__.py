"""The LangGraph graph: one account per thread, and the portfolio as a fan-out over accounts."""
