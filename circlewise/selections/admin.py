# Selections are run through their pages and the API (services.py), not the admin.
