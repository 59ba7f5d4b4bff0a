"""The rollout engine: recreate, blue/green and canary as a pure state machine (`decide`)."""
