"""Run the test control plane on 127.0.0.1: etcd, kube-apiserver, kube-controller-manager,
kube-scheduler and KWOK with simulated nodes, from binaries that `testbed.build` made.

Each run gets free ports, fresh certificates and its own kubeconfig in a run directory. The run
directory's `state.json` names the processes, so a later command (`./scripts/testbed down`) can
stop a control plane that another process started.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from testbed import components
from testbed.build import Built, ensure_built
from testbed.pki import SERVICE_CIDR, Pki, make_pki

NODE_ANNOTATION = "kwok.x-k8s.io/node"
STATE = "state.json"


class StartError(RuntimeError):
    """A component did not come up; the message names it and ends with its log."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Proc:
    name: str
    argv: list[str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None
    pid: int = 0

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def build_all(log: bool = True) -> dict[str, Built]:
    return {c.name: ensure_built(c, log=log) for c in components.CONTROL_PLANE}


def write_kubeconfig(path: Path, server: str, pki: Pki) -> None:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "seaway-testbed",
                "cluster": {"server": server, "certificate-authority": str(pki.ca_cert)},
            }
        ],
        "users": [
            {
                "name": "seaway-admin",
                "user": {
                    "client-certificate": str(pki.admin_cert),
                    "client-key": str(pki.admin_key),
                },
            }
        ],
        "contexts": [
            {
                "name": "seaway-testbed",
                "context": {"cluster": "seaway-testbed", "user": "seaway-admin"},
            }
        ],
        "current-context": "seaway-testbed",
    }
    # JSON is YAML, and every Kubernetes client reads it.
    path.write_text(json.dumps(config, indent=2))
    path.chmod(0o600)


@dataclass
class ControlPlane:
    """One running control plane. Use `start()`/`stop()`, or `with ControlPlane(...)`."""

    run_dir: Path
    binaries: dict[str, Built]
    nodes: int = 1
    procs: list[Proc] = field(default_factory=list)
    server: str = ""
    kubeconfig: Path = field(init=False)
    pki: Pki = field(init=False)

    def __post_init__(self) -> None:
        self.kubeconfig = self.run_dir / "kubeconfig"

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        self.run_dir.mkdir(parents=True, exist_ok=True)
        try:
            self.pki = make_pki(self.run_dir / "pki")
            etcd_url = self._start_etcd()
            self._wait("etcd", lambda: self._http_ok(f"{etcd_url}/health", tls=False), deadline)
            self._start_apiserver(etcd_url)
            self._wait("kube-apiserver", lambda: self._http_ok("/readyz"), deadline)
            write_kubeconfig(self.kubeconfig, self.server, self.pki)
            self._start_controller_manager()
            self._start_scheduler()
            self._start_kwok()
            for index in range(self.nodes):
                self._create_node(f"kwok-node-{index}")
            self._wait("nodes Ready (kwok)", self._nodes_ready, deadline)
            self._wait(
                "the default ServiceAccount (kube-controller-manager)",
                lambda: self._http_ok("/api/v1/namespaces/default/serviceaccounts/default"),
                deadline,
            )
            self._save_state()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for proc in reversed(self.procs):
            _terminate(proc)
        self.procs.clear()
        with contextlib.suppress(FileNotFoundError):
            (self.run_dir / STATE).unlink()

    def __enter__(self) -> ControlPlane:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- components --------------------------------------------------------------------------

    def _spawn(self, name: str, argv: list[str]) -> Proc:
        log = self.run_dir / f"{name}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(
                argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.run_dir,
                # Own session: `testbed down` can stop it after the starting process is gone,
                # and a Ctrl-C meant for pytest does not kill the control plane mid-teardown.
                start_new_session=True,
            )
        proc = Proc(name, argv, log, popen, popen.pid)
        self.procs.append(proc)
        return proc

    def _bin(self, component: str, name: str) -> str:
        return str(self.binaries[component].binary(name))

    def _start_etcd(self) -> str:
        client, peer = free_port(), free_port()
        client_url, peer_url = f"http://127.0.0.1:{client}", f"http://127.0.0.1:{peer}"
        self._spawn(
            "etcd",
            [
                self._bin("etcd", "etcd"),
                "--name=testbed",
                f"--data-dir={self.run_dir / 'etcd'}",
                f"--listen-client-urls={client_url}",
                f"--advertise-client-urls={client_url}",
                f"--listen-peer-urls={peer_url}",
                f"--initial-advertise-peer-urls={peer_url}",
                f"--initial-cluster=testbed={peer_url}",
                # A throwaway store: durability buys nothing and fsync costs seconds.
                "--unsafe-no-fsync=true",
                "--log-level=warn",
            ],
        )
        return client_url

    def _start_apiserver(self, etcd_url: str) -> None:
        port = free_port()
        self.server = f"https://127.0.0.1:{port}"
        pki = self.pki
        self._spawn(
            "kube-apiserver",
            [
                self._bin("kubernetes", "kube-apiserver"),
                f"--etcd-servers={etcd_url}",
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                f"--secure-port={port}",
                f"--cert-dir={self.run_dir / 'apiserver-certs'}",
                f"--tls-cert-file={pki.server_cert}",
                f"--tls-private-key-file={pki.server_key}",
                f"--client-ca-file={pki.ca_cert}",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                f"--service-account-key-file={pki.sa_pub}",
                f"--service-account-signing-key-file={pki.sa_key}",
                f"--service-cluster-ip-range={SERVICE_CIDR}",
                "--authorization-mode=RBAC",
                "--allow-privileged=true",
                # 127.0.0.1 is not a valid endpoint address for the kubernetes Service.
                "--endpoint-reconciler-type=none",
                "--profiling=false",
                "--v=0",
            ],
        )

    def _start_controller_manager(self) -> None:
        self._spawn(
            "kube-controller-manager",
            [
                self._bin("kubernetes", "kube-controller-manager"),
                f"--kubeconfig={self.kubeconfig}",
                "--leader-elect=false",
                "--secure-port=0",
                f"--service-account-private-key-file={self.pki.sa_key}",
                f"--root-ca-file={self.pki.ca_cert}",
                "--use-service-account-credentials=false",
                f"--service-cluster-ip-range={SERVICE_CIDR}",
                "--profiling=false",
                # KWOK's fast stages send no node heartbeat, so the node's status is refreshed only
                # about once a minute; with the default 50 s grace the node lifecycle controller
                # keeps flipping the node NotReady and marks every pod on it not Ready for good.
                "--node-monitor-grace-period=24h",
            ],
        )

    def _start_scheduler(self) -> None:
        self._spawn(
            "kube-scheduler",
            [
                self._bin("kubernetes", "kube-scheduler"),
                f"--kubeconfig={self.kubeconfig}",
                "--leader-elect=false",
                "--secure-port=0",
                "--profiling=false",
            ],
        )

    def _start_kwok(self) -> None:
        stages = sorted(self.binaries["kwok"].data_dir.glob("*.yaml"))
        argv = [
            self._bin("kwok", "kwok"),
            f"--kubeconfig={self.kubeconfig}",
            f"--manage-nodes-with-annotation-selector={NODE_ANNOTATION}=fake",
            "--cidr=10.0.128.0/17",
            "--node-ip=127.0.0.1",
            # Serves nothing we use (logs, exec); a free port keeps runs from colliding.
            f"--server-address=127.0.0.1:{free_port()}",
        ]
        argv += [f"--config={stage}" for stage in stages]
        self._spawn("kwok", argv)

    def _create_node(self, name: str) -> None:
        node = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": name,
                "annotations": {NODE_ANNOTATION: "fake", "node.alpha.kubernetes.io/ttl": "0"},
                "labels": {
                    "kubernetes.io/hostname": name,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "type": "kwok",
                },
            },
            "status": {
                "allocatable": {"cpu": "32", "memory": "256Gi", "pods": "2000"},
                "capacity": {"cpu": "32", "memory": "256Gi", "pods": "2000"},
            },
        }
        self.request("POST", "/api/v1/nodes", node)

    def _nodes_ready(self) -> bool:
        nodes = self.request("GET", "/api/v1/nodes?labelSelector=type%3Dkwok").get("items", [])
        ready = [
            n
            for n in nodes
            if any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in n.get("status", {}).get("conditions", [])
            )
        ]
        return len(ready) >= self.nodes

    # -- talking to the API server -----------------------------------------------------------

    def _ssl(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.pki.ca_cert))
        context.load_cert_chain(str(self.pki.admin_cert), str(self.pki.admin_key))
        return context

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the API server as the admin; raises urllib.error.HTTPError on a non-2xx."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(  # noqa: S310 - the URL is our own https API server
            self.server + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        with urllib.request.urlopen(req, context=self._ssl(), timeout=10) as resp:  # noqa: S310
            return json.loads(resp.read() or b"{}")

    def _http_ok(self, url: str, tls: bool = True) -> bool:
        full = self.server + url if tls else url
        try:
            with urllib.request.urlopen(  # noqa: S310
                full, context=self._ssl() if tls else None, timeout=2
            ) as resp:
                return bool(200 <= resp.status < 300)
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def _wait(self, what: str, ready: Callable[[], bool], deadline: float) -> None:
        while True:
            for proc in self.procs:
                if proc.popen is not None and proc.popen.poll() is not None:
                    raise StartError(
                        f"{proc.name} exited with code {proc.popen.returncode} while waiting "
                        f"for {what}; its log ({proc.log}) ends with:\n{proc.tail()}"
                    )
            if ready():
                return
            if time.monotonic() > deadline:
                logs = "\n".join(f"--- {p.name} ---\n{p.tail(10)}" for p in self.procs)
                raise StartError(f"timed out waiting for {what}; recent logs:\n{logs}")
            time.sleep(0.2)

    # -- state for `testbed down` ------------------------------------------------------------

    def _save_state(self) -> None:
        state = {
            "server": self.server,
            "kubeconfig": str(self.kubeconfig),
            "processes": [{"name": p.name, "pid": p.pid, "binary": p.argv[0]} for p in self.procs],
        }
        (self.run_dir / STATE).write_text(json.dumps(state, indent=2))


def _terminate(proc: Proc, grace: float = 10.0) -> None:
    if proc.popen is not None:
        if proc.popen.poll() is None:
            proc.popen.terminate()
            try:
                proc.popen.wait(grace)
            except subprocess.TimeoutExpired:
                proc.popen.kill()
                proc.popen.wait()
        return
    _kill_pid(proc.pid, grace)


def _kill_pid(pid: int, grace: float) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _pid_runs(pid: int, binary: str) -> bool:
    try:
        return os.readlink(f"/proc/{pid}/exe") == binary
    except OSError:
        return False


def stop_from_state(run_dir: Path) -> list[str]:
    """Stop the control plane recorded in run_dir; return the names of what was stopped."""
    state_file = run_dir / STATE
    if not state_file.is_file():
        return []
    state = json.loads(state_file.read_text())
    stopped = []
    for entry in reversed(state.get("processes", [])):
        pid = int(entry["pid"])
        # A pid from an old state file may belong to another program by now.
        if _pid_runs(pid, str(entry.get("binary", ""))):
            _kill_pid(pid, grace=10.0)
            stopped.append(str(entry["name"]))
    state_file.unlink()
    return stopped


def default_run_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"seaway-testbed-{os.getuid()}"


def fresh_run_dir(base: Path) -> Path:
    """Empty the run directory of an earlier, stopped run before reusing it."""
    if (base / STATE).exists():
        raise StartError(
            f"a test control plane is already running from {base} "
            "(stop it with: ./scripts/testbed down)"
        )
    if base.exists():
        shutil.rmtree(base)
    base.mkdir(parents=True)
    return base
