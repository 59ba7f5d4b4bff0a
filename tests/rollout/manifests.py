"""Argo Rollouts manifests as people write them, following the examples in its docs."""

CANARY = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: guestbook
  namespace: shop
spec:
  replicas: 5
  revisionHistoryLimit: 3
  selector:
    matchLabels:
      app: guestbook
  template:
    metadata:
      labels:
        app: guestbook
    spec:
      containers:
      - name: guestbook
        image: argoproj/rollouts-demo:blue
        ports:
        - containerPort: 8080
  strategy:
    canary:
      canaryService: guestbook-canary
      stableService: guestbook-stable
      maxSurge: "25%"
      maxUnavailable: 0
      trafficRouting:
        managedRoutes:
        - name: beta-users
        seaway:
          router: local
      analysis:
        templates:
        - templateName: success-rate
        startingStep: 2
        args:
        - name: service-name
          value: guestbook-canary.shop.svc.cluster.local
      steps:
      - setWeight: 20
      - pause: {duration: 10m}
      - setHeaderRoute:
          name: beta-users
          match:
          - headerName: X-Beta
            headerValue:
              exact: "true"
          - cookieName: group
            cookieValue:
              prefix: beta
      - analysis:
          templates:
          - templateName: success-rate
          - templateName: global-smoke
            clusterScope: true
          args:
          - name: service-name
            value: guestbook-canary
          - name: canary-hash
            valueFrom:
              podTemplateHashValue: Latest
      - setCanaryScale:
          replicas: 3
      - setWeight: 60
      - pause: {duration: 45}
      - pause: {}
"""

BLUE_GREEN = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: checkout
spec:
  replicas: 2
  selector:
    matchLabels:
      app: checkout
  template:
    metadata:
      labels:
        app: checkout
    spec:
      containers:
      - name: checkout
        image: shop/checkout:2.0
  strategy:
    blueGreen:
      activeService: checkout-active
      previewService: checkout-preview
      autoPromotionEnabled: false
      scaleDownDelaySeconds: 60
      previewReplicaCount: 1
      prePromotionAnalysis:
        templates:
        - templateName: smoke-tests
        args:
        - name: service-name
          value: checkout-preview
      postPromotionAnalysis:
        templates:
        - templateName: success-rate
        args:
        - name: service-name
          value: checkout-active
"""

TEMPLATE = """\
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: success-rate
spec:
  args:
  - name: service-name
  - name: prometheus-port
    value: "9090"
  metrics:
  - name: success-rate
    interval: 5m
    count: 3
    successCondition: result[0] >= 0.95
    failureLimit: 1
    provider:
      prometheus:
        address: http://prometheus.monitoring:{{args.prometheus-port}}
        query: |
          sum(irate(istio_requests_total{destination_service=~"{{args.service-name}}",
            response_code!~"5.*"}[5m])) /
          sum(irate(istio_requests_total{destination_service=~"{{args.service-name}}"}[5m]))
  - name: webmetric
    successCondition: result.ok && result.successPercent >= 0.90
    provider:
      web:
        url: "http://status.shop/api/v1/{{args.service-name}}/health"
        headers:
        - key: Authorization
          value: Bearer token
        timeoutSeconds: 20
        jsonPath: "{$.data}"
"""
