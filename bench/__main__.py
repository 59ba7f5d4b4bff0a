"""`.venv/bin/python -m bench gitops [--apps N] [--resources R] [--workers W] [--samples S]`"""

from __future__ import annotations

import argparse

from bench import gitops


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sub = parser.add_subparsers(dest="bench", required=True)
    g = sub.add_parser("gitops", help="no-op reconcile, commit -> Synced, drift -> healed")
    g.add_argument("--apps", type=int, default=100)
    g.add_argument("--resources", type=int, default=20)
    g.add_argument("--workers", type=int, default=2)
    g.add_argument("--samples", type=int, default=10)
    args = parser.parse_args()
    if args.bench == "gitops":
        gitops.main(args.apps, args.resources, args.workers, args.samples)


if __name__ == "__main__":
    main()
