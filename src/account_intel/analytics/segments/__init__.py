"""Segment expressions: syntax, parser and the filters they compile to."""
