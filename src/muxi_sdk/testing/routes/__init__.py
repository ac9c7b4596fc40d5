"""Route modules of the fake server. Each exposes `routes(state)` (Formation API, mounted under every /v1
prefix) and optionally `server_routes(state)` (MUXI server API, mounted at the root)."""

ROUTE_MODULES = [
    "health",
    "chat",
    "memory",
    "memory_admin",
    "knowledge",
    "server",
    "triggers",
    "scheduler",
    "sessions",
    "requests",
    "events",
    "system",
    "agents",
    "secrets",
    "mcp",
    "users",
    "credentials",
    "tuning",
    "skills",
    "history",
    "notifications",
    "artifacts",
]
