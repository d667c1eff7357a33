"""Core's writes: the ledger only, through `ledger.append`, which every app's services call inside
their own transaction (and the live broadcasts after commit: events.broadcast_on_commit).

Core has no services of its own beyond those: a change of state belongs to the app whose noun it
changes. The same file set as every app.
"""
