"""The rollout engine: recreate, blue/green and canary as a pure state machine (`decide`)."""

from seaway.rollout.engine.codec import status_from_dict, status_to_dict
from seaway.rollout.engine.decide import decide
from seaway.rollout.engine.hashing import pod_template_hash

__all__ = ["decide", "pod_template_hash", "status_from_dict", "status_to_dict"]
