"""Connectors: one folder per source tool. A connector yields unified records per stream and knows
nothing of the store; the sync engine is the only writer."""
