"""Idempotency keys: a retried POST answers its first response again (docs/idempotency.md)."""
