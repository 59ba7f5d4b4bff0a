"""Sealed secrets: encrypted in CI, decrypted only by the controller."""
