"""Fitted, calibrated scoring models learnt from a store's own history, and where they are saved."""
