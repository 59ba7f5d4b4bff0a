"""`.venv/bin/python -m bench gitops [--apps N] [--resources R] [--workers W] [--samples S]`
`.venv/bin/python -m bench rollout [--samples N] [--backend local|kubernetes] [--rollouts K]`"""

from __future__ import annotations

import argparse

from bench import gitops, rollout


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sub = parser.add_subparsers(dest="bench", required=True)
    g = sub.add_parser("gitops", help="no-op reconcile, commit -> Synced, drift -> healed")
    g.add_argument("--apps", type=int, default=100)
    g.add_argument("--resources", type=int, default=20)
    g.add_argument("--workers", type=int, default=2)
    g.add_argument("--samples", type=int, default=10)
    r = sub.add_parser("rollout", help="abort, canary step, blue/green, recreate, K at once")
    r.add_argument("--samples", type=int, default=10)
    r.add_argument("--backend", choices=("local", "kubernetes"), default="local")
    r.add_argument("--rollouts", type=int, default=10, help="rollouts at once (local)")
    args = parser.parse_args()
    if args.bench == "gitops":
        gitops.main(args.apps, args.resources, args.workers, args.samples)
    elif args.bench == "rollout":
        rollout.main(args.samples, args.backend, args.rollouts)


if __name__ == "__main__":
    main()
