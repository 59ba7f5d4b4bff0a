"""Rollouts for the engine's tests, as people write them (the Argo Rollouts docs' shapes)."""

from __future__ import annotations

_HEAD = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: {name}
  namespace: shop
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
      - name: {name}
        image: shop/{name}:1.0
"""


def rollout(name: str, strategy: str, *, replicas: int = 4, extra: str = "") -> str:
    """A Rollout with the given `strategy:` block (indented as under spec)."""
    return _HEAD.format(name=name, replicas=replicas) + extra + strategy


ROUTED_CANARY = rollout(
    "cart",
    """\
  strategy:
    canary:
      canaryService: cart-canary
      stableService: cart-stable
      trafficRouting:
        seaway:
          router: local
      steps:
      - setWeight: 25
      - pause: {duration: 1m}
      - analysis:
          templates:
          - templateName: error-rate
          args:
          - name: hash
            valueFrom:
              podTemplateHashValue: Latest
      - setWeight: 50
      - pause: {}
""",
)

REPLICA_CANARY = rollout(
    "search",
    """\
  strategy:
    canary:
      maxSurge: 1
      maxUnavailable: 0
      steps:
      - setWeight: 50
      - pause: {}
""",
)

CANARY_SCALE = rollout(
    "feed",
    """\
  strategy:
    canary:
      canaryService: feed-canary
      stableService: feed-stable
      dynamicStableScale: true
      trafficRouting:
        maxTrafficWeight: 200
        seaway:
          router: local
      steps:
      - setCanaryScale:
          weight: 50
      - setWeight: 20
      - pause: {}
      - setCanaryScale:
          matchTrafficWeight: true
      - setWeight: 100
      - pause: {}
""",
    replicas=10,
)

BLUE_GREEN_AUTO = rollout(
    "pay",
    """\
  strategy:
    blueGreen:
      activeService: pay-active
      previewService: pay-preview
      autoPromotionSeconds: 20
""",
    replicas=3,
)

RECREATE = rollout(
    "batch",
    """\
  strategy:
    recreate: {}
""",
    replicas=2,
)

DEPLOYMENT_RECREATE = rollout(
    "cron",
    """\
  strategy:
    type: Recreate
""",
    replicas=2,
)

ROLLING = rollout(
    "api",
    """\
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 1
""",
)

EXPERIMENT = rollout(
    "lab",
    """\
  strategy:
    canary:
      steps:
      - setWeight: 10
      - experiment:
          templates:
          - name: baseline
            specRef: stable
""",
)

DEADLINE = rollout(
    "slow",
    """\
  progressDeadlineSeconds: 120
  progressDeadlineAbort: {abort}
  strategy:
    canary:
      canaryService: slow-canary
      stableService: slow-stable
      trafficRouting:
        seaway:
          router: local
      steps:
      - setWeight: 50
      - pause: {}
""",
)
