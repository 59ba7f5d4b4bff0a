"""Argo CD manifests in the shapes Argo CD's documentation gives them, written for these tests."""

GUESTBOOK = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: guestbook
  namespace: argocd
  labels:
    team: web
  finalizers:
    - resources-finalizer.argocd.argoproj.io
spec:
  project: default
  source:
    repoURL: https://github.com/argoproj/argocd-example-apps.git
    targetRevision: HEAD
    path: guestbook
    directory:
      recurse: true
      include: '*.yaml'
      exclude: '{config.yaml,secrets/*}'
  destination:
    server: https://kubernetes.default.svc
    namespace: guestbook
"""

HELM = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: podinfo
  namespace: argocd
  annotations:
    notifications.argoproj.io/subscribe.on-sync-succeeded.slack: deploys
spec:
  project: web
  source:
    repoURL: https://github.com/example-org/charts.git
    targetRevision: v6.5.0
    path: charts/podinfo
    helm:
      releaseName: podinfo-prod
      valueFiles:
        - values-prod.yaml
      parameters:
        - name: image.tag
          value: "6.5.0"
        - name: ingress.annotations.kubernetes\\.io/tls-acme
          value: "true"
          forceString: true
      valuesObject:
        replicaCount: 3
        ingress:
          enabled: true
          hosts:
            - host: podinfo.example.com
              paths: [/]
        resources:
          limits: {cpu: 500m, memory: 256Mi}
  destination:
    name: in-cluster
    namespace: podinfo
  revisionHistoryLimit: 5
"""

KUSTOMIZE = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop-staging
  namespace: argocd
spec:
  project: shop
  source:
    repoURL: git@github.com:example-org/shop-deploy.git
    targetRevision: main
    path: overlays/staging
    kustomize:
      namePrefix: staging-
      nameSuffix: -v2
      namespace: shop-staging
      images:
        - gcr.io/heptio-images/ks-guestbook-demo:0.2
        - api=registry.example.com/shop/api:1.4.2
        - worker=registry.example.com/shop/worker@DIGEST
      commonLabels:
        env: staging
      commonAnnotations:
        owner: shop-team
      patches:
        - target:
            kind: Deployment
            name: api
          patch: |-
            - op: replace
              path: /spec/replicas
              value: 2
  destination:
    server: https://kubernetes.default.svc
    namespace: shop-staging
""".replace("DIGEST", "sha256:" + "6b2e0e3a8c3c5a1c5d8f0b0e1f2d3c4b" * 2)

MULTI_SOURCE = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: prometheus
  namespace: argocd
spec:
  project: monitoring
  sources:
    - repoURL: https://github.com/prometheus-community/helm-charts.git
      targetRevision: prometheus-25.8.0
      path: charts/prometheus
      helm:
        valueFiles:
          - $values/monitoring/prometheus/values.yaml
    - repoURL: https://github.com/example-org/cluster-config.git
      targetRevision: main
      ref: values
  destination:
    server: https://kubernetes.default.svc
    namespace: monitoring
"""

AUTOMATED = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: api
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/example-org/api-deploy.git
    targetRevision: HEAD
    path: k8s
  destination:
    server: https://kubernetes.default.svc
    namespace: api
  syncPolicy:
    automated:
      prune: true
      selfHeal: true
      allowEmpty: false
    syncOptions:
      - Validate=false
      - CreateNamespace=true
      - PrunePropagationPolicy=background
      - PruneLast=true
      - ServerSideApply=true
      - ApplyOutOfSyncOnly=true
    retry:
      limit: 5
      backoff:
        duration: 5s
        factor: 2
        maxDuration: 3m
"""

IGNORE_DIFFERENCES = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: webhooks
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/example-org/platform.git
    path: webhooks
  destination:
    server: https://kubernetes.default.svc
    namespace: webhooks
  ignoreDifferences:
    - group: apps
      kind: Deployment
      jsonPointers:
        - /spec/replicas
    - group: admissionregistration.k8s.io
      kind: MutatingWebhookConfiguration
      name: sidecar-injector
      jqPathExpressions:
        - .webhooks[]?.clientConfig.caBundle
        - .webhooks[] | select(.name == "inject.example.com").failurePolicy
    - group: "*"
      kind: "*"
      managedFieldsManagers:
        - kube-controller-manager
  syncPolicy:
    syncOptions:
      - RespectIgnoreDifferences=true
"""

PROJECT = """\
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: team-a
  namespace: argocd
  finalizers:
    - resources-finalizer.argocd.argoproj.io
spec:
  description: Team A's applications
  sourceRepos:
    - https://github.com/org/*
    - '!https://github.com/org/secret-*'
  destinations:
    - server: https://kubernetes.default.svc
      namespace: team-a-*
    - name: staging
      namespace: team-a
  clusterResourceWhitelist:
    - group: ''
      kind: Namespace
  namespaceResourceBlacklist:
    - group: ''
      kind: ResourceQuota
    - group: networking.k8s.io
      kind: NetworkPolicy
  sourceNamespaces:
    - team-a-apps
  syncWindows:
    - kind: allow
      schedule: '10 1 * * *'
      duration: 1h
      applications:
        - '*-prod'
      manualSync: true
    - kind: deny
      schedule: '0 22 * * 1-5'
      duration: 1h30m
      namespaces:
        - default
      timeZone: Europe/Amsterdam
  roles:
    - name: read-only
      description: Read-only privileges to team-a
      policies:
        - p, proj:team-a:read-only, applications, get, team-a/*, allow
      groups:
        - team-a-oidc
"""
