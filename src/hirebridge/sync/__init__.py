"""The sync engine: runs a connector's streams into the store (identify, diff, change-track, sweep)."""
