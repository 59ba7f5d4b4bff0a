"""Deployment strategies (recreate, blue/green, canary), traffic routers and analysis."""
