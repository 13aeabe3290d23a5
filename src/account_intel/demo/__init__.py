"""The deterministic demo portfolio: a fictional vendor's catalog, customers with a year of history, and the
two story accounts (TechFlow Inc., RetailCo), generated from a random seed and loaded in bulk."""
