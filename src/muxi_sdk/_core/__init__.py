"""The request path and the machinery every resource shares (see DESIGN.md)."""
