"""Batch jobs that run outside the server (model builds now; backfills and refits later)."""
