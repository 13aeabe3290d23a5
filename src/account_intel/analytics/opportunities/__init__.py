"""Expansion opportunities of one account: candidates, sizing, readiness, BANT and scenarios."""
