"""Helpers with no domain knowledge: tokens, signed URLs, ids, time formatting, pagination."""
