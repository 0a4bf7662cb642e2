"""The words every room of the engine shares, and nothing else: the errors it raises on purpose
(`errors`), the views and hooks of its public API (`types`), the canonical JSON and hashes the
chain and replay agree on (`canonical`), findings of a check (`findings`), the per-write budget of
designer content (`deadline`), ISO durations (`durations`), the hardened XML parser (`xmlsafe`)
and spreadsheet-safe cells (`csvsafe`). It imports no other room and no database or BPMN library.
"""
