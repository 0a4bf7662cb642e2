"""Reading back what happened, never writing it: verifying the chains and the ledger (`audit`),
replaying an instance's events against its stored version (`replay`) and exporting a history
that verifies offline (`export`). It may import `engine.context`, `engine.runtime`,
`engine.store`, `engine.specs` and `engine.base`.
"""
