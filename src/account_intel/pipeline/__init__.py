"""The expansion pipeline as a service layer: typed inputs, domain errors, no CLI concerns.

The CLI (`account-intel opp`) uses it now; the web pages will use it later.
"""
