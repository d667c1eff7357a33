"""Forms for notifications: none. Marking read takes no input but the notification in the URL
(and `stay`/`page` to come back to the list), read in views.py."""
