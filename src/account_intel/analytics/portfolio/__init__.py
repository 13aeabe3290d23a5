"""The portfolio: the set-based scan, the expansion pipeline, targeting and forecasts."""
