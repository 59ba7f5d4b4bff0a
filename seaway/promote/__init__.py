"""Stages, gates, approvals, sync windows and image write-back."""
