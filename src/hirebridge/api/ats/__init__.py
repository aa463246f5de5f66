"""ATS endpoints beyond the listings (those are declared in serving/ats/ and served by api/listing.py)."""
