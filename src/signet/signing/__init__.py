"""The signing domain: drafts, sending, the state machine and its rules (shared by both faces)."""
