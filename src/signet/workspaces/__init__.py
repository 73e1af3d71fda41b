"""Companies, workspaces and API keys: provisioning used by the CLI and first start."""
