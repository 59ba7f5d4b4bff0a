"""Who writes what during a rollout: the field managers and the names Seaway gives its own
additions to objects that Git also describes. The Application's diff reads these to tell a
rollout's changes from drift."""

from __future__ import annotations

# The rollout driver's field manager (replica sets, Service selectors, HTTPRoute rules, status);
# never `seaway`, the Application sync's manager.
MANAGER = "seaway-rollout"
# People's commands (`seaway rollout promote|abort|...`), queued on the Rollout.
CLI_MANAGER = "seaway-rollout-cli"
COMMANDS_ANNOTATION = "seaway.dev/rollout-commands"
# The name prefix of the HTTPRoute rules Seaway adds for header routes.
RULE_PREFIX = "seaway-"
# Set by the driver on each Service and HTTPRoute it steers, naming the Rollout (Argo Rollouts
# does the same). Being a map key of its own, it stays the driver's when an Application's sync
# takes over the atomic selector or rules, so the driver's manager entry, which tells the diff
# which fields are the rollout's, outlives that sync.
MANAGED_BY_ANNOTATION = "seaway.dev/managed-by-rollout"
