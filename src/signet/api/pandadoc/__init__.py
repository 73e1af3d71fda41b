"""The PandaDoc-compatible face: routes under /public/v1 and /public/v2, PandaDoc's shapes."""
