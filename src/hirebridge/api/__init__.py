"""The Kombo-compatible REST API (Starlette). It reads the store and knows nothing of connectors."""
