"""Replicas as real processes: readiness, liveness, restarts with backoff, kill -9, graceful stop,
environment, logs and re-adoption after a Seaway restart."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from seaway.cluster.local import (
    Backoff,
    ProbeKind,
    ProcessIdentity,
    Replica,
    ReplicaState,
    ReplicaStatus,
    Supervisor,
    find_running,
    identify,
    replica_spec_from_container,
)
from seaway.cluster.local.logs import rotated, tail
from tests.local.conftest import (
    Replicas,
    container,
    fetch,
    http_port,
    http_probe,
    lookup_from,
)

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]


def record(replica: Replica) -> list[ReplicaStatus]:
    history: list[ReplicaStatus] = []
    replica.add_listener(history.append)
    return history


async def log_contains(replica: Replica, text: str, timeout: float = 30.0) -> str:
    async with asyncio.timeout(timeout):
        while text not in (log := tail(replica.log_path)):
            await asyncio.sleep(0.02)
    return log


def gone(pid: int) -> bool:
    return identify(pid) is None


async def test_readiness_gates_until_the_program_is_ready(
    programs: dict[str, Path], replicas: Replicas
) -> None:
    spec = replicas.spec(
        container(
            programs["server.py"],
            ports=http_port(),
            env=[{"name": "READY_AFTER", "value": "1.0"}],
            readinessProbe=http_probe("/ready", periodSeconds=0.1, failureThreshold=1),
        )
    )
    started = time.monotonic()
    replica = await replicas.start(spec)
    history = record(replica)
    # First the program does not listen yet, then it answers 503 until it is ready.
    status = await replica.wait_until(
        lambda s: (
            ProbeKind.READINESS in s.probes and s.probes[ProbeKind.READINESS].message == "HTTP 503"
        ),
        5,
    )
    assert status.state is ReplicaState.NOT_READY
    # The program answers already, but is not ready to take traffic.
    answer = await asyncio.to_thread(fetch, spec.host_port("http"), "/version")
    assert answer.text == "v1"
    await replica.wait_until(lambda s: s.ready, 10)
    became_ready = time.monotonic() - started
    assert became_ready >= 1.0
    assert replica.status.probes[ProbeKind.READINESS].message == "HTTP 200"
    states = [s.state for s in history]
    assert states.index(ReplicaState.NOT_READY) < states.index(ReplicaState.READY)
    print(f"ready after {became_ready:.2f}s (program: 1.0s)")


async def test_no_readiness_probe_means_ready_once_started(
    programs: dict[str, Path], replicas: Replicas
) -> None:
    replica = await replicas.start(replicas.spec(container(programs["stubborn.py"])))
    status = await replica.wait_until(lambda s: s.ready, 5)
    assert status.pid is not None
    assert status.identity is not None
    assert status.identity.pid == status.pid


async def test_liveness_failure_restarts_the_process(
    programs: dict[str, Path], replicas: Replicas, tmp_path: Path
) -> None:
    sick = tmp_path / "sick"
    spec = replicas.spec(
        container(
            programs["server.py"],
            ports=http_port(),
            env=[{"name": "SICK_FILE", "value": str(sick)}],
            readinessProbe=http_probe("/ready", periodSeconds=0.1),
            # The delay keeps a freshly started program from failing it before it listens.
            livenessProbe=http_probe(
                "/healthz", initialDelaySeconds=0.5, periodSeconds=0.1, failureThreshold=2
            ),
        )
    )
    replica = await replicas.ready(spec)
    await replica.wait_until(lambda s: ProbeKind.LIVENESS in s.probes, 5)
    history = record(replica)
    first_pid = replica.status.pid
    sick.touch()
    failed_at = time.monotonic()
    status = await replica.wait_until(lambda s: s.restart_count == 1, 10)
    sick.unlink()
    assert any("liveness probe failed: HTTP 500" in s.message for s in history), [
        (s.state, s.message) for s in history
    ]
    assert any(s.state is ReplicaState.TERMINATING for s in history)
    status = await replica.wait_until(lambda s: s.ready, 10)
    restarted_in = time.monotonic() - failed_at
    assert status.pid not in (None, first_pid)
    assert gone(first_pid or 0)
    assert status.restart_count == 1
    # http.server dies of SIGTERM.
    assert status.exit_code == 128 + signal.SIGTERM
    print(f"liveness failure to ready again: {restarted_in:.2f}s")


async def test_crashing_program_restarts_with_exponential_backoff(
    programs: dict[str, Path], replicas: Replicas
) -> None:
    spec = replicas.spec(container(programs["crash.py"]))
    starts: list[float] = []
    replica = Replica(spec, log_dir=replicas.log_dir, backoff=Backoff(0.2, 0.8, 60))
    replica.add_listener(
        lambda s: starts.append(time.monotonic()) if s.state is ReplicaState.STARTING else None
    )
    replicas.started.append(replica)
    await replica.start()
    # The first start and four restarts.
    status = await replica.wait_until(lambda _: len(starts) >= 5, 15)
    await replica.wait_until(lambda s: s.state is ReplicaState.EXITED, 5)
    assert replica.status.exit_code == 3
    assert "exited with code 3" in replica.status.message
    gaps = [b - a for a, b in itertools.pairwise(starts)][:4]
    # Each gap is the program's run (a Python start, well under 0.5 s) plus the backoff delay.
    for gap, delay in zip(gaps, [0.2, 0.4, 0.8, 0.8], strict=True):
        assert delay <= gap < delay + 0.5, gaps
    assert status.restart_count >= 4
    log = await log_contains(replica, "crashing now")
    assert log.count("crashing now") >= 4
    print("gaps between starts: " + ", ".join(f"{g:.2f}s" for g in gaps))


async def test_kill_9_from_outside_is_seen_and_replaced(
    programs: dict[str, Path], replicas: Replicas
) -> None:
    spec = replicas.spec(
        container(
            programs["server.py"],
            ports=http_port(),
            readinessProbe=http_probe("/ready", periodSeconds=0.05),
        )
    )
    replica = await replicas.ready(spec)
    pid = replica.status.pid
    assert pid is not None
    killed_at = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    status = await replica.wait_until(lambda s: s.pid not in (None, pid), 5)
    noticed = time.monotonic() - killed_at
    assert replica.status.restart_count == 1
    status = await replica.wait_until(lambda s: s.ready, 10)
    serving = time.monotonic() - killed_at
    assert status.exit_code == 137
    answer = await asyncio.to_thread(fetch, spec.host_port("http"), "/version")
    assert answer.status == 200
    print(f"kill -9: new process after {noticed:.2f}s, ready after {serving:.2f}s")


async def test_graceful_stop_is_quick_for_a_program_that_honours_sigterm(
    programs: dict[str, Path], replicas: Replicas
) -> None:
    spec = replicas.spec(container(programs["server.py"], ports=http_port()), grace=10)
    replica = await replicas.ready(spec)
    pid = replica.status.pid
    began = time.monotonic()
    await replica.stop()
    took = time.monotonic() - began
    assert took < 2.0
    assert replica.status.state is ReplicaState.EXITED
    assert replica.status.exit_code == 128 + signal.SIGTERM
    assert gone(pid or 0)
    print(f"stop of a SIGTERM-honouring program: {took:.2f}s")


async def test_sigterm_ignored_means_sigkill_after_the_grace_period(
    programs: dict[str, Path], replicas: Replicas
) -> None:
    spec = replicas.spec(container(programs["stubborn.py"]), grace=1.0)
    replica = await replicas.ready(spec)
    await log_contains(replica, "started")
    pid = replica.status.pid
    history = record(replica)
    began = time.monotonic()
    await replica.stop()
    took = time.monotonic() - began
    assert 1.0 <= took < 2.0
    assert replica.status.exit_code == 137
    assert ReplicaState.TERMINATING in [s.state for s in history]
    assert gone(pid or 0)
    await log_contains(replica, "ignoring SIGTERM")
    print(f"stop of a SIGTERM-ignoring program with a 1 s grace period: {took:.2f}s")


async def test_stop_ends_the_programs_children_too(
    programs: dict[str, Path], replicas: Replicas
) -> None:
    replica = await replicas.ready(replicas.spec(container(programs["family.py"])))
    log = await log_contains(replica, "child ")
    child = int(log.split("child ")[1].split()[0])
    assert not gone(child)
    await replica.stop(grace=2)
    async with asyncio.timeout(5):
        while not gone(child):
            await asyncio.sleep(0.02)


async def test_environment_secrets_and_working_dir_reach_the_process(
    programs: dict[str, Path], replicas: Replicas, tmp_path: Path
) -> None:
    workdir = tmp_path / "work"
    workdir.mkdir()
    spec = replicas.spec(
        container(
            programs["server.py"],
            "--listen=$(PORT)",
            ports=[
                {"name": "http", "containerPort": 8080},
                {"name": "metrics", "containerPort": 9090},
            ],
            workingDir=str(workdir),
            readinessProbe=http_probe("/ready", periodSeconds=0.05),
            envFrom=[
                {"configMapRef": {"name": "cfg"}},
                {"secretRef": {"name": "db"}, "prefix": "DB_"},
            ],
            env=[
                {"name": "VERSION", "value": "v7"},
                {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}},
                {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            ],
        ),
        name="shop-5",
        lookup=lookup_from(
            config_maps={"cfg": {"COLOR": "teal"}},
            secrets={"db": {"PASSWORD": "hunter2"}, "api": {"token": "t-123"}},
        ),
    )
    await replicas.ready(spec)
    answer = await asyncio.to_thread(fetch, spec.host_port("http"), "/env")
    seen = json.loads(answer.body)
    env = seen["env"]
    http, metrics = spec.host_port("http"), spec.host_port("metrics")
    assert env["VERSION"] == "v7"
    assert env["TOKEN"] == "t-123"
    assert env["DB_PASSWORD"] == "hunter2"
    assert env["COLOR"] == "teal"
    assert env["POD"] == "shop-5"
    assert env["HOSTNAME"] == "shop-5"
    assert env["PORT"] == env["PORT_HTTP"] == env["PORT_8080"] == str(http)
    assert env["PORT_METRICS"] == env["PORT_9090"] == str(metrics)
    assert "PYTEST_CURRENT_TEST" not in env
    assert Path(seen["cwd"]).resolve() == workdir.resolve()
    assert seen["argv"][1:] == [f"--listen={http}"]


async def test_output_goes_to_the_log_file_and_the_log_is_capped(
    programs: dict[str, Path], replicas: Replicas
) -> None:
    cap = 20_000
    spec = replicas.spec(container(programs["chatty.py"], "3000"))
    replica = await replicas.start(spec, log_max_bytes=cap, log_check_interval=0.02)
    await log_contains(replica, "done writing")
    async with asyncio.timeout(5):
        while replica.log_path.stat().st_size > cap:
            await asyncio.sleep(0.02)
    old = rotated(replica.log_path)
    assert old.exists()
    # The program wrote about 280 kB; each file holds at most the cap.
    assert 0 < old.stat().st_size <= cap
    assert "line 00" in old.read_text()
    assert "line 000000 " not in tail(replica.log_path, 10 * cap)
    assert oct(replica.log_path.stat().st_mode & 0o777) == "0o600"


async def test_stdout_and_stderr_are_both_captured(
    programs: dict[str, Path], replicas: Replicas
) -> None:
    spec = replicas.spec(
        container(
            programs["server.py"],
            ports=http_port(),
            readinessProbe=http_probe("/ready", periodSeconds=0.05),
        )
    )
    replica = await replicas.ready(spec)
    await asyncio.to_thread(fetch, spec.host_port("http"), "/version")
    log = await log_contains(replica, '"GET /version HTTP/1.1" 200')
    assert f"listening on {spec.host_port('http')} version v1" in log


async def test_a_command_that_cannot_start_is_reported_and_retried(
    replicas: Replicas, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-program"
    spec = replicas.spec({"name": "app", "command": [str(missing)]})
    replica = await replicas.start(spec)
    status = await replica.wait_until(lambda s: s.restart_count >= 2, 5)
    assert status.pid is None
    assert f"cannot start {str(missing)!r}" in status.message


async def test_exec_readiness_and_tcp_liveness_probes(
    programs: dict[str, Path], replicas: Replicas, tmp_path: Path
) -> None:
    flag = tmp_path / "flag"
    check = f"import os, sys; sys.exit(0 if os.path.exists({str(flag)!r}) else 1)"
    spec = replicas.spec(
        container(
            programs["server.py"],
            ports=http_port(),
            readinessProbe={
                "exec": {"command": [sys.executable, "-c", check]},
                "periodSeconds": 0.1,
                "failureThreshold": 1,
                "timeoutSeconds": 5,
            },
            livenessProbe={
                "tcpSocket": {"port": "http"},
                "initialDelaySeconds": 0.5,
                "periodSeconds": 0.1,
                "failureThreshold": 10,
            },
        )
    )
    replica = await replicas.start(spec)
    status = await replica.wait_until(lambda s: s.state is ReplicaState.NOT_READY, 10)
    assert status.probes[ProbeKind.READINESS].message == "exit code 1"
    flag.touch()
    status = await replica.wait_until(lambda s: s.ready, 10)
    assert status.probes[ProbeKind.READINESS].message == "exit code 0"
    status = await replica.wait_until(
        lambda s: ProbeKind.LIVENESS in s.probes and s.probes[ProbeKind.LIVENESS].success, 5
    )
    assert status.probes[ProbeKind.LIVENESS].message.startswith("connected to 127.0.0.1:")
    assert status.restart_count == 0


async def test_startup_probe_failure_restarts(
    programs: dict[str, Path], replicas: Replicas
) -> None:
    spec = replicas.spec(
        container(
            programs["stubborn.py"],
            # Nothing listens on this port: the startup probe can only fail.
            startupProbe={"tcpSocket": {"port": 1}, "periodSeconds": 0.05, "failureThreshold": 2},
        ),
        grace=0.2,
    )
    replica = await replicas.start(spec)
    history = record(replica)
    await replica.wait_until(lambda s: s.restart_count >= 1, 10)
    assert any("startup probe failed" in s.message for s in history)
    assert ReplicaState.READY not in [s.state for s in history]


HELPER = r"""
import asyncio, json, os, sys
from pathlib import Path
from seaway.cluster.local import Backoff, Replica, replica_spec_from_container

async def main():
    raw, log_dir = json.loads(sys.argv[1]), Path(sys.argv[2])
    spec = replica_spec_from_container(raw, pod_name="web-0", namespace="default",
                                       lookup=lambda kind, name: None)
    replica = Replica(spec, log_dir=log_dir, backoff=Backoff(0.2, 0.8, 60))
    await replica.start()
    status = await replica.wait_until(lambda s: s.ready, 15)
    print(json.dumps({"pid": status.identity.pid, "start_ticks": status.identity.start_ticks,
                      "cmdline": status.identity.cmdline, "port": spec.host_port("http")}),
          flush=True)
    # A crash of Seaway: nothing is cleaned up, the replica keeps running.
    os._exit(0)

asyncio.run(main())
"""


async def test_a_restarted_seaway_adopts_the_running_process(
    programs: dict[str, Path], replicas: Replicas, tmp_path: Path
) -> None:
    raw = container(
        programs["server.py"],
        ports=http_port(),
        env=[{"name": "VERSION", "value": "adopted"}],
        readinessProbe=http_probe("/ready", periodSeconds=0.05),
    )
    helper = tmp_path / "earlier_seaway.py"
    helper.write_text(HELPER)
    earlier = await asyncio.create_subprocess_exec(
        sys.executable,
        str(helper),
        json.dumps(raw),
        str(replicas.log_dir),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(earlier.communicate(), 30)
    assert earlier.returncode == 0
    recorded = json.loads(out)
    identity = ProcessIdentity(recorded["pid"], recorded["start_ticks"], tuple(recorded["cmdline"]))
    try:
        assert find_running(identity)
        # A recycled pid (other start time or command line) is not taken for the replica.
        assert not find_running(
            ProcessIdentity(identity.pid, identity.start_ticks + 1, identity.cmdline)
        )
        assert not find_running(ProcessIdentity(identity.pid, identity.start_ticks, ("other",)))
        spec = replicas.spec(raw, host_ports={8080: recorded["port"]})
        replica = Replica(spec, log_dir=replicas.log_dir, backoff=Backoff(0.2, 0.8, 60))
        replicas.started.append(replica)
        await replica.start(adopt=identity)
        status = await replica.wait_until(lambda s: s.ready, 10)
        assert status.adopted
        assert status.pid == identity.pid
        assert status.restart_count == 0
        answer = await asyncio.to_thread(fetch, recorded["port"], "/version")
        assert answer.text == "adopted"

        # Not our child, still watched: kill -9 from outside is seen and the replica replaced.
        killed_at = time.monotonic()
        os.kill(identity.pid, signal.SIGKILL)
        status = await replica.wait_until(lambda s: s.pid not in (None, identity.pid), 5)
        noticed = time.monotonic() - killed_at
        status = await replica.wait_until(lambda s: s.ready, 10)
        assert not status.adopted
        assert status.restart_count == 1
        answer = await asyncio.to_thread(fetch, recorded["port"], "/version")
        assert answer.text == "adopted"
        print(f"adopted process killed: replaced after {noticed:.2f}s")
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(identity.pid, signal.SIGKILL)


async def test_a_recorded_process_that_is_gone_is_started_anew(
    programs: dict[str, Path], replicas: Replicas
) -> None:
    raw = container(programs["stubborn.py"])
    spec = replicas.spec(raw)
    me = identify(os.getpid())
    assert me is not None
    # This very test process: alive, but not a replica (not the leader of its own group).
    assert not find_running(me)
    stale = ProcessIdentity(me.pid, me.start_ticks + 1, me.cmdline)
    replica = Replica(spec, log_dir=replicas.log_dir, backoff=Backoff(0.2, 0.8, 60))
    replicas.started.append(replica)
    await replica.start(adopt=stale)
    status = await replica.wait_until(lambda s: s.ready, 5)
    assert not status.adopted
    assert status.pid != me.pid


async def test_supervisor_stops_all_replicas_at_once(
    programs: dict[str, Path], tmp_path: Path
) -> None:
    supervisor = Supervisor(tmp_path / "data", backoff=Backoff(0.2, 0.8, 60))
    specs = [
        replica_spec_from_container(
            container(programs["stubborn.py"]),
            pod_name=f"web-{i}",
            namespace="default",
            lookup=lookup_from(),
            termination_grace_period_seconds=1.0,
        )
        for i in range(2)
    ]
    try:
        for spec in specs:
            replica = await supervisor.start(spec)
            await log_contains(replica, "started")
        with pytest.raises(ValueError, match="runs already"):
            await supervisor.start(specs[0])
        assert [s.name for s in supervisor.statuses()] == ["web-0", "web-1"]
        pids = [s.pid or 0 for s in supervisor.statuses()]
        began = time.monotonic()
        await supervisor.stop_all()
        took = time.monotonic() - began
    finally:
        await supervisor.stop_all()
    # Both ignore SIGTERM: one grace period for the two, not two after each other.
    assert 1.0 <= took < 1.8
    assert all(gone(pid) for pid in pids)
    assert supervisor.statuses() == []
    assert (tmp_path / "data" / "logs" / "default_web-1_app.log").exists()
