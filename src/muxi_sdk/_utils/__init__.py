"""Internal: internal helpers (serializers, input checks, logging, bundles, cron)."""
