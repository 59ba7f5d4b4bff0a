"""Pure: the health of each kind, judged from its live object. No I/O."""
