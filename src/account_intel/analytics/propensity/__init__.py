"""Expansion propensity: the configured factor model and its set-based path for the scan."""
