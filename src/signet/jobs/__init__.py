"""Durable jobs: enqueue in the caller's transaction, claim safely, retry with backoff, park dead."""
