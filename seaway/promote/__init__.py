"""Stages, gates, approvals, sync windows and image write-back.

`writeback` sets images in the environment repo (`seaway image set`; `poll` follows registries);
`windows` evaluates sync windows; `release`, `gate` and `promotion` read what a stage runs,
judge the gate into the next stage and write the release there as a commit or a pull request
(`pullrequest`). The controller (`seaway.controller.promotion`) runs them; `seaway promote` and
`seaway why` drive them too.
"""
