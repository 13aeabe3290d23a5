"""Use cases that run the graph: a brief, a QBR packet, the weekly portfolio run and the daily trigger scan."""
