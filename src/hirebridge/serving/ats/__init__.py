"""One module per ATS resource: its filters and serializer, on the shared listing declarations."""
