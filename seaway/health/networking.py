"""Service and Ingress: waiting for a load balancer to be given an address."""

from __future__ import annotations

from seaway.health import fields as f
from seaway.health.result import HealthResult, healthy, progressing


def _addresses(obj: f.Obj) -> list[str]:
    # An entry may carry only ports or an ipMode; it still means the balancer exists.
    return [
        f.string(entry, "ip") or f.string(entry, "hostname")
        for entry in f.objects(obj, "status", "loadBalancer", "ingress")
    ]


def _published(addresses: list[str]) -> HealthResult:
    named = ", ".join(a for a in addresses if a)
    return healthy(f"Load balancer at {named}" if named else "")


def service(obj: f.Obj) -> HealthResult:
    if f.string(obj, "spec", "type") != "LoadBalancer":
        return healthy()
    addresses = _addresses(obj)
    if not addresses:
        return progressing("Waiting for the load balancer to be given an address")
    return _published(addresses)


def ingress(obj: f.Obj) -> HealthResult:
    # Like Argo CD: an Ingress is Progressing until its controller publishes an address. An
    # Ingress no controller claims therefore never turns Healthy, which is the truth.
    addresses = _addresses(obj)
    if not addresses:
        return progressing("Waiting for the ingress controller to publish an address")
    return _published(addresses)
