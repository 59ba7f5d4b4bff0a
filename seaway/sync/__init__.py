"""Plan a sync (waves, hooks, prune, safety checks) and run it through a cluster backend."""
