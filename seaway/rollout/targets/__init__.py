"""Rollout targets: one per backend (local, kubernetes), each a `RolloutTarget`."""
