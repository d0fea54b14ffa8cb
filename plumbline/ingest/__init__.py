"""Ingestion: fetching, feed parsing and article extraction."""
