"""Webhooks: events fanned out to subscribers in the Firma and PandaDoc formats (API.md §7)."""
