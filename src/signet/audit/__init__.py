"""The audit log of signing requests: written with every state change, read by the audit APIs."""
