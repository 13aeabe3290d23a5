"""The white-space map: catalog items an account does not use yet, with demand signals and sizes."""
