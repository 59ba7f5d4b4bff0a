"""History, audit log and approvals: SQLite by default."""
