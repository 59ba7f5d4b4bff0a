"""`./scripts/testbed build | up | down | env | status`: the test control plane by hand."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from testbed import components
from testbed.build import BuildError, cache_root, check_complete, disk_usage, ensure_built
from testbed.cluster import (
    STATE,
    ControlPlane,
    StartError,
    build_all,
    default_run_dir,
    fresh_run_dir,
    stop_from_state,
)


def _up(run_dir: Path, nodes: int) -> int:
    started = time.monotonic()
    binaries = build_all()
    built = time.monotonic()
    plane = ControlPlane(fresh_run_dir(run_dir), binaries, nodes=nodes)
    plane.start()
    # Detach: the processes run in their own sessions and outlive this command.
    for proc in plane.procs:
        proc.popen = None
    ready = time.monotonic()
    print(
        f"testbed: up in {ready - built:.1f} s ({nodes} Ready node(s)); "
        f"build check {built - started:.1f} s",
        file=sys.stderr,
    )
    print(plane.kubeconfig)
    return 0


def _status(run_dir: Path) -> int:
    root = cache_root()
    for component in (*components.CONTROL_PLANE, *components.TOOLS):
        reason = check_complete(component, root)
        print(f"{component.key:20} {'built' if reason is None else reason}")
    if root.exists():
        print(f"cache {root}: {disk_usage(root) / 2**20:.0f} MiB")
    state = run_dir / STATE
    if state.is_file():
        print(f"running: {json.loads(state.read_text())['server']} (kubeconfig {run_dir})")
    else:
        print("not running")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/testbed", description=__doc__)
    parser.add_argument("--run-dir", type=Path, default=default_run_dir())
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="build the control plane and the tools the tests use (helm)")
    up = sub.add_parser("up", help="start the control plane; print its kubeconfig's path")
    up.add_argument("--nodes", type=int, default=1)
    sub.add_parser("down", help="stop the control plane that `up` started")
    sub.add_parser("env", help="print `export KUBECONFIG=...` for a running control plane")
    sub.add_parser("status", help="what is built and whether a control plane runs")
    args = parser.parse_args(argv)
    run_dir: Path = args.run_dir
    try:
        if args.command == "build":
            build_all()
            for tool in components.TOOLS:
                ensure_built(tool)
            return _status(run_dir)
        if args.command == "up":
            return _up(run_dir, args.nodes)
        if args.command == "down":
            stopped = stop_from_state(run_dir)
            print(f"testbed: stopped {', '.join(stopped)}" if stopped else "testbed: not running")
            return 0
        if args.command == "env":
            if not (run_dir / STATE).is_file():
                print("testbed: not running (start it with: ./scripts/testbed up)", file=sys.stderr)
                return 1
            print(f"export KUBECONFIG={run_dir / 'kubeconfig'}")
            return 0
        return _status(run_dir)
    except (BuildError, StartError) as exc:
        print(f"testbed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
