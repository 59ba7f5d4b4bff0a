"""ReplicaSpec from Kubernetes container specs: command, env, envFrom, ports, probes, errors."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from seaway.cluster.local import ContainerConfigError, SourceKind, replica_spec_from_container
from seaway.cluster.local.probes import ExecAction, HttpGetAction, TcpSocketAction
from seaway.cluster.local.spec import expand
from tests.local.conftest import lookup_from

LOOKUP = lookup_from(
    config_maps={"settings": {"MODE": "fast", "LEVEL": "3"}},
    secrets={"db": {"password": "s3cret", "user": "admin"}},
)


def build(raw: dict[str, Any], **kw: Any) -> Any:
    return replica_spec_from_container(
        raw, pod_name="web-7", namespace="shop", lookup=kw.pop("lookup", LOOKUP), **kw
    )


def base(**fields: Any) -> dict[str, Any]:
    return {"name": "web", "image": "shop/web:2", "command": ["/bin/app"], **fields}


def test_missing_command_names_the_container() -> None:
    with pytest.raises(ContainerConfigError) as err:
        build({"name": "payments", "image": "x", "args": ["--port", "80"]})
    assert err.value.container == "payments"
    assert err.value.field_path == "command"
    assert "container 'payments'" in str(err.value)
    assert "command" in str(err.value)


def test_command_and_args_are_joined_and_expanded() -> None:
    spec = build(
        base(
            args=["--port", "$(PORT)", "--mode=$(MODE)", "$$(MODE)", "$(UNKNOWN)"],
            ports=[{"containerPort": 80}],
            env=[{"name": "MODE", "value": "blue"}],
        )
    )
    port = spec.ports[0].host_port
    assert spec.argv == ("/bin/app", "--port", str(port), "--mode=blue", "$(MODE)", "$(UNKNOWN)")
    assert spec.image == "shop/web:2"
    assert spec.container == "web"


def test_expand_follows_kubernetes_rules() -> None:
    env = {"A": "1", "B": "two"}
    assert expand("$(A)-$(B)", env) == "1-two"
    assert expand("$$(A)", env) == "$(A)"
    assert expand("$$", env) == "$"
    assert expand("$(A", env) == "$(A"
    assert expand("cost $5", env) == "cost $5"
    assert expand("$(C)", env) == "$(C)"


def test_env_values_configmap_secret_and_field_refs() -> None:
    spec = build(
        base(
            env=[
                {"name": "PLAIN", "value": "x"},
                {"name": "DERIVED", "value": "$(PLAIN)-y"},
                {
                    "name": "DB_PASS",
                    "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}},
                },
                {
                    "name": "MODE",
                    "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "MODE"}},
                },
                {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                {"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
                {
                    "name": "OPTIONAL",
                    "valueFrom": {
                        "secretKeyRef": {"name": "missing", "key": "k", "optional": True}
                    },
                },
            ]
        )
    )
    env = dict(spec.env)
    assert env["PLAIN"] == "x"
    assert env["DERIVED"] == "x-y"
    assert env["DB_PASS"] == "s3cret"
    assert env["MODE"] == "fast"
    assert env["POD"] == "web-7"
    assert env["NS"] == "shop"
    assert env["HOSTNAME"] == "web-7"
    assert "OPTIONAL" not in env


def test_secret_values_stay_out_of_repr() -> None:
    spec = build(
        base(env=[{"name": "P", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}])
    )
    assert spec.env["P"] == "s3cret"
    assert "s3cret" not in repr(spec)


def test_env_from_with_prefix_and_env_overrides() -> None:
    spec = build(
        base(
            envFrom=[
                {"configMapRef": {"name": "settings"}},
                {"secretRef": {"name": "db"}, "prefix": "DB_"},
            ],
            env=[{"name": "LEVEL", "value": "9"}],
        )
    )
    env = dict(spec.env)
    assert env["MODE"] == "fast"
    assert env["LEVEL"] == "9"
    assert env["DB_password"] == "s3cret"
    assert env["DB_user"] == "admin"
    assert "password" not in env


def test_host_environment_is_not_inherited_except_path() -> None:
    spec = build(base(), host_env=("PATH",))
    assert set(spec.env) == {"PATH", "HOSTNAME"}


@pytest.mark.parametrize(
    ("raw", "field_path", "words"),
    [
        (
            {"env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "k"}}}]},
            "env[P].valueFrom.secretKeyRef",
            "Secret shop/nope not found",
        ),
        (
            {"env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "db", "key": "nokey"}}}]},
            "env[P].valueFrom.secretKeyRef.key",
            "has no key 'nokey'",
        ),
        (
            {"envFrom": [{"configMapRef": {"name": "absent"}}]},
            "envFrom[0].configMapRef",
            "ConfigMap shop/absent not found",
        ),
        (
            {"env": [{"name": "X", "valueFrom": {"fieldRef": {"fieldPath": "metadata.uid"}}}]},
            "env[X].valueFrom.fieldRef.fieldPath",
            "not available on the local backend",
        ),
        (
            {"readinessProbe": {"httpGet": {"path": "/", "port": "admin"}}},
            "readinessProbe.httpGet.port",
            "names no port",
        ),
        (
            {"livenessProbe": {"grpc": {"port": 9000}}},
            "livenessProbe.grpc",
            "not supported",
        ),
        (
            {"livenessProbe": {"tcpSocket": {"port": 80}, "successThreshold": 2}},
            "livenessProbe.successThreshold",
            "must be 1",
        ),
        ({"ports": [{"containerPort": 0}]}, "ports[0].containerPort", "port number"),
    ],
)
def test_bad_fields_are_named(raw: dict[str, Any], field_path: str, words: str) -> None:
    with pytest.raises(ContainerConfigError) as err:
        build(base(**raw))
    assert err.value.container == "web"
    assert err.value.field_path == field_path
    assert words in str(err.value)


def test_optional_env_from_source_may_be_missing() -> None:
    spec = build(base(envFrom=[{"secretRef": {"name": "absent", "optional": True}}]))
    assert "HOSTNAME" in spec.env


def test_ports_map_to_free_host_ports_and_env() -> None:
    spec = build(
        base(
            ports=[
                {"name": "http", "containerPort": 8080},
                {"name": "admin-api", "containerPort": 9090},
            ]
        )
    )
    http, admin = spec.ports
    assert http.host_port != admin.host_port
    for mapping in spec.ports:
        # Free at build time: binding it works.
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", mapping.host_port))
    env = spec.env
    assert env["PORT"] == str(http.host_port)
    assert env["PORT_HTTP"] == str(http.host_port)
    assert env["PORT_8080"] == str(http.host_port)
    assert env["PORT_ADMIN_API"] == str(admin.host_port)
    assert env["PORT_9090"] == str(admin.host_port)
    assert spec.host_port("admin-api") == admin.host_port
    assert spec.host_port(8080) == http.host_port


def test_recorded_host_ports_are_kept() -> None:
    spec = build(base(ports=[{"containerPort": 8080}]), host_ports={8080: 41234})
    assert spec.ports[0].host_port == 41234
    assert spec.env["PORT"] == "41234"


def test_probes_with_kubernetes_defaults_and_port_resolution() -> None:
    spec = build(
        base(
            ports=[{"name": "http", "containerPort": 8080}],
            readinessProbe={
                "httpGet": {
                    "path": "/ready",
                    "port": "http",
                    "httpHeaders": [{"name": "X-Probe", "value": "1"}],
                },
                "successThreshold": 2,
            },
            livenessProbe={
                "tcpSocket": {"port": 8080},
                "initialDelaySeconds": 5,
                "periodSeconds": 2,
                "timeoutSeconds": 3,
                "failureThreshold": 4,
                "terminationGracePeriodSeconds": 7,
            },
            startupProbe={"exec": {"command": ["true"]}, "periodSeconds": 0.5},
        ),
        termination_grace_period_seconds=12,
    )
    host = spec.ports[0].host_port
    readiness = spec.readiness_probe
    assert readiness is not None
    assert readiness.action == HttpGetAction(
        host, "/ready", "127.0.0.1", "HTTP", (("X-Probe", "1"),)
    )
    assert (readiness.initial_delay, readiness.period, readiness.timeout) == (0.0, 10.0, 1.0)
    assert (readiness.success_threshold, readiness.failure_threshold) == (2, 3)
    liveness = spec.liveness_probe
    assert liveness is not None
    assert liveness.action == TcpSocketAction(host)
    assert (liveness.initial_delay, liveness.period, liveness.timeout) == (5.0, 2.0, 3.0)
    assert liveness.failure_threshold == 4
    assert liveness.termination_grace_period == 7.0
    startup = spec.startup_probe
    assert startup is not None
    assert startup.action == ExecAction(("true",))
    assert startup.period == 0.5
    assert spec.termination_grace_period == 12.0


def test_undeclared_probe_port_is_used_as_is() -> None:
    spec = build(base(readinessProbe={"tcpSocket": {"port": 7777}}))
    assert spec.readiness_probe is not None
    assert spec.readiness_probe.action == TcpSocketAction(7777)


def test_lookup_is_asked_for_kind_and_name() -> None:
    asked: list[tuple[SourceKind, str]] = []

    def lookup(kind: SourceKind, name: str) -> dict[str, str]:
        asked.append((kind, name))
        return {"k": "v"}

    build(
        base(
            envFrom=[{"secretRef": {"name": "s1"}}],
            env=[{"name": "A", "valueFrom": {"configMapKeyRef": {"name": "c1", "key": "k"}}}],
        ),
        lookup=lookup,
    )
    assert asked == [(SourceKind.SECRET, "s1"), (SourceKind.CONFIG_MAP, "c1")]
