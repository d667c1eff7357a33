"""Pages that change organisations, circles, memberships and roles, one module each."""
