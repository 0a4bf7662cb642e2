"""The engine's tables and the statements over them, SQLAlchemy only: the database and its
sessions (`db`), every table (`models`), the unit of work of one write
(`unit_of_work`), an instance's hash chain (`chain`) and the database-wide ledger sealing it
(`ledger`), searchable task attributes (`attributes`) and the task list's query (`inbox`). It
knows nothing of SpiffWorkflow; it may import `engine.base` and `engine.specs`.
"""
