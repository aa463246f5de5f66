"""What the API serves, as declarations and serializers: the listings (`listing.py`, one module per
resource in `ats/`) and the served documents rendered with them (`documents.py`). Used by the API,
which executes a listing for a request, and by the sync engine, which renders served documents; it
reads through `store/` and knows neither HTTP nor connectors."""
