"""Django's SQLite backend, with each statement's placeholders converted once per process.

Set as the SQLite `ENGINE` in config/settings.py.
"""
