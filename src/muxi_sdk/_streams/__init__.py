"""Internal: SSE decoding and the event protocols (chat, lifecycle, logs, runtime events)."""
