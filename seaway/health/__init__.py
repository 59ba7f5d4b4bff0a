"""Pure: the health of each kind, judged from its live object. No I/O.

`assess` judges one live object with Argo CD's vocabulary and semantics; `worst` and
`aggregate` roll many up into an application's health.
"""

from seaway.health.aggregate import ORDER, aggregate, worst
from seaway.health.assess import assess, has_health_check
from seaway.health.result import HealthResult

__all__ = ["ORDER", "HealthResult", "aggregate", "assess", "has_health_check", "worst"]
