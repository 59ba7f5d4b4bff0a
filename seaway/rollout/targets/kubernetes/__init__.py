"""The Kubernetes rollout target: ReplicaSets per pod-template hash, Service selectors and
Gateway API HTTPRoutes for traffic, status and commands on the Rollout object."""

from seaway.rollout.targets.kubernetes.target import KubernetesRolloutTarget

__all__ = ["KubernetesRolloutTarget"]
