"""`ReplicaSpec`: what the local backend needs to run one replica of a container, built from the
Kubernetes container spec with Kubernetes semantics where the local backend has the concept."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from seaway.cluster.local.probes import (
    ExecAction,
    HttpGetAction,
    ProbeAction,
    ProbeSpec,
    TcpSocketAction,
)


class SourceKind(StrEnum):
    CONFIG_MAP = "ConfigMap"
    SECRET = "Secret"  # noqa: S105 - a kind's name, not a password


# (kind, name) -> the object's data as text (a Secret's values decoded), or None if it is missing.
Lookup = Callable[[SourceKind, str], Mapping[str, str] | None]

# Passed through from Seaway's own environment: a container has no host environment, but a local
# command needs PATH to be found and a locale and home to behave as it does in a shell.
HOST_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "SYSTEMROOT")

DEFAULT_GRACE_PERIOD = 30.0


class ContainerConfigError(ValueError):
    """A container cannot run on the local backend; the message names container and field."""

    def __init__(self, container: str, field_path: str, problem: str) -> None:
        super().__init__(f"container {container!r}: {field_path}: {problem}")
        self.container = container
        self.field_path = field_path
        self.problem = problem


@dataclass(frozen=True)
class PortMapping:
    container_port: int
    host_port: int
    name: str | None = None
    protocol: str = "TCP"


@dataclass(frozen=True)
class ReplicaSpec:
    name: str
    namespace: str
    container: str
    # command and args with $(VAR) references expanded.
    argv: tuple[str, ...]
    # Not in repr: values may come from Secrets, which must not reach logs.
    env: Mapping[str, str] = field(repr=False)
    working_dir: str | None = None
    ports: tuple[PortMapping, ...] = ()
    startup_probe: ProbeSpec | None = None
    readiness_probe: ProbeSpec | None = None
    liveness_probe: ProbeSpec | None = None
    termination_grace_period: float = DEFAULT_GRACE_PERIOD
    # Recorded only: the local backend runs `argv` on this host.
    image: str | None = None

    def host_port(self, port: int | str) -> int:
        for mapping in self.ports:
            if port in (mapping.name, mapping.container_port):
                return mapping.host_port
        raise KeyError(port)


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now; the replica binds it later, across restarts."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def expand(text: str, env: Mapping[str, str]) -> str:
    """Kubernetes $(VAR) expansion: known names are replaced, unknown references stay as written,
    and $$ escapes a $."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "$" and i + 1 < len(text):
            if text[i + 1] == "$":
                out.append("$")
                i += 2
                continue
            if text[i + 1] == "(":
                end = text.find(")", i + 2)
                if end != -1:
                    name = text[i + 2 : end]
                    out.append(env.get(name, text[i : end + 1]))
                    i = end + 1
                    continue
        out.append(text[i])
        i += 1
    return "".join(out)


class _Builder:
    def __init__(
        self,
        container: Mapping[str, Any],
        pod_name: str,
        namespace: str,
        lookup: Lookup,
        field_values: Mapping[str, str],
    ) -> None:
        self.raw = container
        self.name = str(container.get("name") or "")
        self.pod_name = pod_name
        self.namespace = namespace
        self.lookup = lookup
        self.field_values = field_values

    def error(self, path: str, problem: str) -> ContainerConfigError:
        return ContainerConfigError(self.name, path, problem)

    def strings(self, key: str) -> list[str]:
        value = self.raw.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, "must be a list of strings")
        return list(value)

    def ports(self, host_ports: Mapping[int, int]) -> tuple[PortMapping, ...]:
        raw = self.raw.get("ports") or []
        if not isinstance(raw, list):
            raise self.error("ports", "must be a list")
        mappings: list[PortMapping] = []
        for index, port in enumerate(raw):
            path = f"ports[{index}]"
            number = port.get("containerPort") if isinstance(port, Mapping) else None
            if not isinstance(number, int) or not 0 < number < 65536:
                raise self.error(f"{path}.containerPort", "must be a port number 1-65535")
            name = port.get("name")
            if name is not None and not isinstance(name, str):
                raise self.error(f"{path}.name", "must be a string")
            if any(m.container_port == number for m in mappings):
                raise self.error(f"{path}.containerPort", f"{number} is declared twice")
            host = host_ports.get(number) or free_port()
            mappings.append(PortMapping(number, host, name, str(port.get("protocol", "TCP"))))
        return tuple(mappings)

    def source(self, kind: SourceKind, name: Any, path: str, optional: bool) -> Mapping[str, str]:
        if not isinstance(name, str) or not name:
            raise self.error(f"{path}.name", f"names no {kind}")
        data = self.lookup(kind, name)
        if data is None:
            if optional:
                return {}
            raise self.error(path, f"{kind} {self.namespace}/{name} not found")
        return data

    def env(self, port_env: Mapping[str, str]) -> dict[str, str]:
        """Port variables, then envFrom, then env: later ones win, as in Kubernetes."""
        env = dict(port_env)
        self.env_from(env)
        entries = self.raw.get("env") or []
        if not isinstance(entries, list):
            raise self.error("env", "must be a list")
        for index, entry in enumerate(entries):
            name = entry.get("name") if isinstance(entry, Mapping) else None
            if not isinstance(name, str) or not name:
                raise self.error(f"env[{index}]", "needs a name")
            path = f"env[{name}]"
            if "valueFrom" in entry:
                value = self.value_from(entry["valueFrom"], f"{path}.valueFrom")
                if value is None:
                    continue
                env[name] = value
            else:
                # Earlier variables only, as Kubernetes expands them.
                env[name] = expand(str(entry.get("value", "")), env)
        return env

    def env_from(self, env: dict[str, str]) -> None:
        env_from = self.raw.get("envFrom") or []
        if not isinstance(env_from, list):
            raise self.error("envFrom", "must be a list")
        for index, entry in enumerate(env_from):
            path = f"envFrom[{index}]"
            if not isinstance(entry, Mapping):
                raise self.error(path, "must be a mapping")
            prefix = str(entry.get("prefix") or "")
            for key, kind in (
                ("configMapRef", SourceKind.CONFIG_MAP),
                ("secretRef", SourceKind.SECRET),
            ):
                ref = entry.get(key)
                if ref is None:
                    continue
                if not isinstance(ref, Mapping):
                    raise self.error(f"{path}.{key}", "must be a mapping")
                data = self.source(
                    kind, ref.get("name"), f"{path}.{key}", bool(ref.get("optional"))
                )
                for name, value in data.items():
                    env[prefix + name] = value

    def value_from(self, ref: Any, path: str) -> str | None:
        if not isinstance(ref, Mapping):
            raise self.error(path, "must be a mapping")
        for key, kind in (
            ("configMapKeyRef", SourceKind.CONFIG_MAP),
            ("secretKeyRef", SourceKind.SECRET),
        ):
            selector = ref.get(key)
            if selector is None:
                continue
            if not isinstance(selector, Mapping):
                raise self.error(f"{path}.{key}", "must be a mapping")
            optional = bool(selector.get("optional"))
            data = self.source(kind, selector.get("name"), f"{path}.{key}", optional)
            wanted = selector.get("key")
            if isinstance(wanted, str) and wanted in data:
                return data[wanted]
            if optional:
                return None
            raise self.error(
                f"{path}.{key}.key",
                f"{kind} {self.namespace}/{selector.get('name')} has no key {wanted!r}",
            )
        field_ref = ref.get("fieldRef")
        if isinstance(field_ref, Mapping):
            field_path = field_ref.get("fieldPath")
            if isinstance(field_path, str) and field_path in self.field_values:
                return self.field_values[field_path]
            raise self.error(
                f"{path}.fieldRef.fieldPath",
                f"{field_path!r} is not available on the local backend "
                f"(available: {', '.join(sorted(self.field_values))})",
            )
        raise self.error(path, "needs configMapKeyRef, secretKeyRef or fieldRef")

    def seconds(
        self, raw: Mapping[str, Any], key: str, default: float, path: str, minimum: float
    ) -> float:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            raise self.error(f"{path}.{key}", f"must be a number >= {minimum:g}")
        return float(value)

    def count(self, raw: Mapping[str, Any], key: str, default: int, path: str) -> int:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.error(f"{path}.{key}", "must be a whole number >= 1")
        return value

    def probe_port(self, raw: Any, path: str, ports: Sequence[PortMapping]) -> int:
        if isinstance(raw, str) and not raw.isdigit():
            for mapping in ports:
                if mapping.name == raw:
                    return mapping.host_port
            raise self.error(path, f"names no port of the container: {raw!r}")
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            raise self.error(path, "must be a port number or name")
        number = int(raw)
        for mapping in ports:
            if mapping.container_port == number:
                return mapping.host_port
        # Not declared: the program listens on this very port itself, as it would in a pod.
        return number

    def probe(self, key: str, ports: Sequence[PortMapping]) -> ProbeSpec | None:
        raw = self.raw.get(key)
        if raw is None:
            return None
        if not isinstance(raw, Mapping):
            raise self.error(key, "must be a mapping")
        action: ProbeAction
        if isinstance(raw.get("httpGet"), Mapping):
            http = raw["httpGet"]
            path = f"{key}.httpGet"
            headers = tuple(
                (str(h.get("name")), str(h.get("value", "")))
                for h in http.get("httpHeaders") or []
                if isinstance(h, Mapping)
            )
            scheme = str(http.get("scheme", "HTTP")).upper()
            if scheme not in {"HTTP", "HTTPS"}:
                raise self.error(f"{path}.scheme", "must be HTTP or HTTPS")
            action = HttpGetAction(
                self.probe_port(http.get("port"), f"{path}.port", ports),
                str(http.get("path") or "/"),
                # Every replica listens on 127.0.0.1; a pod IP in `host` means this host here.
                "127.0.0.1",
                scheme,
                headers,
            )
        elif isinstance(raw.get("tcpSocket"), Mapping):
            action = TcpSocketAction(
                self.probe_port(raw["tcpSocket"].get("port"), f"{key}.tcpSocket.port", ports)
            )
        elif isinstance(raw.get("exec"), Mapping):
            command = raw["exec"].get("command")
            if (
                not isinstance(command, list)
                or not command
                or not all(isinstance(c, str) for c in command)
            ):
                raise self.error(f"{key}.exec.command", "must be a non-empty list of strings")
            action = ExecAction(tuple(command))
        elif "grpc" in raw:
            raise self.error(f"{key}.grpc", "gRPC probes are not supported on the local backend")
        else:
            raise self.error(key, "needs httpGet, tcpSocket or exec")
        success = self.count(raw, "successThreshold", 1, key)
        if key != "readinessProbe" and success != 1:
            raise self.error(f"{key}.successThreshold", "must be 1 for liveness and startup probes")
        grace = raw.get("terminationGracePeriodSeconds")
        return ProbeSpec(
            action,
            initial_delay=self.seconds(raw, "initialDelaySeconds", 0, key, 0),
            period=self.seconds(raw, "periodSeconds", 10, key, 0.01),
            timeout=self.seconds(raw, "timeoutSeconds", 1, key, 0.01),
            success_threshold=success,
            failure_threshold=self.count(raw, "failureThreshold", 3, key),
            termination_grace_period=(
                None
                if grace is None
                else self.seconds(raw, "terminationGracePeriodSeconds", 0, key, 0)
            ),
        )


def replica_spec_from_container(
    container: Mapping[str, Any],
    *,
    pod_name: str,
    namespace: str,
    lookup: Lookup,
    termination_grace_period_seconds: float = DEFAULT_GRACE_PERIOD,
    host_ports: Mapping[int, int] | None = None,
    host_env: Sequence[str] = HOST_ENV,
) -> ReplicaSpec:
    """Build a replica of `container` (a Kubernetes container spec as a dict).

    `host_ports` maps containerPorts to the host ports a replica had before (from the state store),
    so a re-adopted process keeps its ports; other ports get free ones. The process learns its
    ports from PORT (the first port), PORT_<NAME> and PORT_<containerPort>.
    """
    builder = _Builder(
        container,
        pod_name,
        namespace,
        lookup,
        {
            "metadata.name": pod_name,
            "metadata.namespace": namespace,
            "status.podIP": "127.0.0.1",
            "status.hostIP": "127.0.0.1",
            "status.podIPs": "127.0.0.1",
            "spec.nodeName": socket.gethostname(),
        },
    )
    if not builder.name:
        raise ContainerConfigError("", "name", "a container needs a name")
    command = builder.strings("command")
    args = builder.strings("args")
    if not command:
        raise builder.error(
            "command",
            "the local backend runs the container's command on this host and cannot read the "
            "image's entrypoint; give `command` (and `args`)",
        )
    ports = builder.ports(host_ports or {})
    port_env: dict[str, str] = {}
    if ports:
        port_env["PORT"] = str(ports[0].host_port)
    for mapping in ports:
        port_env[f"PORT_{mapping.container_port}"] = str(mapping.host_port)
        if mapping.name:
            port_env[f"PORT_{mapping.name.upper().replace('-', '_')}"] = str(mapping.host_port)
    container_env = builder.env(port_env)
    argv = tuple(expand(part, container_env) for part in command + args)
    env = {name: os.environ[name] for name in host_env if name in os.environ}
    env["HOSTNAME"] = pod_name
    env.update(container_env)
    working_dir = container.get("workingDir")
    if working_dir is not None and not isinstance(working_dir, str):
        raise builder.error("workingDir", "must be a string")
    grace = float(termination_grace_period_seconds)
    if grace < 0:
        raise builder.error("terminationGracePeriodSeconds", "must not be negative")
    image = container.get("image")
    return ReplicaSpec(
        name=pod_name,
        namespace=namespace,
        container=builder.name,
        argv=argv,
        env=MappingProxyType(env),
        working_dir=working_dir or None,
        ports=ports,
        startup_probe=builder.probe("startupProbe", ports),
        readiness_probe=builder.probe("readinessProbe", ports),
        liveness_probe=builder.probe("livenessProbe", ports),
        termination_grace_period=grace,
        image=image if isinstance(image, str) else None,
    )
