"""Account health: the seven-component score, its band, overrides, weekly snapshots and why it moved."""
