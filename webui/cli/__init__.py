"""The `finsam` command line: the group and its everyday commands (`core`: serve, init-db, deploy,
users and tokens, render), the auditor's (`audit`), the operator's (`ops`: check, backup, heads,
restore), people's personal data (`people`: erasure, retention), the follow-up (`report`),
förbund and the register (`tenants`) and the worker (`worker`), each registering its commands on
the one group here. Shared helpers (the system from the environment, friendly errors, exit
codes) are in `common`.
"""

from __future__ import annotations

from webui.cli import audit, core, ops, people, report, tenants, worker

main = core.main
for _commands in (audit, ops, people, report, tenants, worker):
    _commands.register(main)

__all__ = ["main"]
