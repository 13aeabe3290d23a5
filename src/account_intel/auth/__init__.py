"""Who may do what: personal tokens prove a user; one permission table decides every action for every door."""
