"""Vulnerability reports, signatures and attestations, test results."""
