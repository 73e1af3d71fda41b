"""Signet: a self-hostable e-signature service with Firma- and PandaDoc-compatible APIs."""

__version__ = "0.1.0"
