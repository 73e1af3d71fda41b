"""Webhooks: events fanned out to subscribers in the Firma and PandaDoc formats
(docs/compat/webhooks.md)."""
