"""The only room that runs SpiffWorkflow: building and serialising a workflow and moving it on
(`workflow`), keeping only the live part of the task tree (`pruning`), the bounded script engine
(`script_engine`), the SpiffWorkflow half of timers (`timers`), migrating a running instance to
a new version (`migration`), the per-process cache of workflows (`workflow_cache`) and the bounds
a spec must fit before it runs (`limits`). It writes no SQL; it may import `engine.store` (the
unit of work, the models' column sizes), `engine.specs` and `engine.base`.
"""
