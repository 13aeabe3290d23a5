"""What a run produces: briefs, QBR packets, portfolio reports and outreach drafts."""
