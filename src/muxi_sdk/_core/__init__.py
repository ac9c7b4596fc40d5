"""Internal: the one request path (operations, flow and drivers, auth, retries, pagination, resumable streams)."""
