"""Durable jobs: enqueue in the caller's transaction, claim safely, retry, park dead."""
