"""Cluster backends behind one interface: `kubernetes` (a real API server) and `local` (processes on this host).
"""
