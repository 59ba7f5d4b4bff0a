"""Stages, gates, approvals, sync windows and image write-back.

Built so far: image write-back (`seaway.promote.writeback`), which `seaway image set` drives.
"""
