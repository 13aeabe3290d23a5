"""Expansion and risk signals: structured trigger rules and mentions read from free text."""
