"""account-intel: account intelligence agents for expansion revenue in existing B2B accounts."""

__version__ = "0.1.0"
