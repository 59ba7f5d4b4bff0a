"""Cluster backends behind one interface.

`kubernetes` talks to a real API server; `local` runs the same manifests as processes on this host.
"""
