"""Live tier: muxi-sdk against the real MUXI formation server (run with scripts/live.sh)."""
