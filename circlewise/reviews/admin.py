"""Reviews are not in the Django admin: what is written in them is confidential to the people
taking part (permissions.py), operators included; they change only through services.py."""
