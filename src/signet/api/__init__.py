"""HTTP faces over the one domain: Firma-compatible, PandaDoc-compatible, Signet extensions."""
