"""Backtests: replay the portfolio on an as-of date, the outcomes that followed, and their metrics."""
