"""The HTTP API, web UI, authentication and webhooks."""
