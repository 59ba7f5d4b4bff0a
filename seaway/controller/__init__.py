"""The reconcile loop: queues, scheduling, leader election, sharding."""
