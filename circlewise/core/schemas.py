"""The API's shared shapes: a ledger event (`EventOut`), pages of a list (`Pages`) and the error
answers (`responses`) are in api.py, beside the feed and ledger operations that use them. The
same file set as every app."""
