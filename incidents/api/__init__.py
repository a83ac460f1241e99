"""The incidents app's part of /api/v1/: incidents and the gazetteer."""
