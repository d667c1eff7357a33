"""Forms shared by every app: none yet. What the site takes from outside (ids, page numbers,
text that can be stored) is checked in inputs.py; each app's forms are in its forms.py."""
