"""Reads shared by every app. Nothing here writes.

The ledger's feeds (an organisation's and a circle's events, without what the reader may not see)
are `feed.organisation_feed` and `feed.circle_feed`, beside the sentences that describe them; the
export's reads are in export.py. The same file set as every app.
"""
