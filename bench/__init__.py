"""Seaway's benchmarks: runners that print figures and ratios to goals. Results are recorded in
docs/benchmarks.md with the command that produced them."""
