"""The municipal portal's server-to-server API (docs/portal.md)."""
