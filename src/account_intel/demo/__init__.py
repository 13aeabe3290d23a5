"""The deterministic demo portfolio: a fictional vendor's catalog, customers with a year of history, and the
two seed-story accounts (TechFlow Inc., RetailCo), generated from a seed and loaded in bulk."""
