"""Signet extensions under /signet/v1 (Firma error format)."""
