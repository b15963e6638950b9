"""Batch jobs over the server's pipeline: backfill from JSONL / CSV / Parquet (resumable, parallel
on Dask), exports to Parquet. docs/batch.md."""
