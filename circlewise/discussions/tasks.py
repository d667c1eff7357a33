"""Background work for discussions: none. Mentions and replies are notified through the ledger
(ledger.append's `notify`, delivered after commit by circlewise.notifications)."""
