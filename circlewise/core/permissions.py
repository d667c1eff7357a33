"""Who may read the ledger: the organisation's and the circles' rules, in circles/permissions.py.

Core holds no objects of its own that a person owns: a ledger event belongs to its organisation
and, where it has one, its circle. So the feeds, the export and the verification ask
`circles.permissions` (`get_organisation_for(user, slug, need="admin")`, `hidden_circle_ids`,
`can_verify_ledger`), and a notification's event asks `notifications.permissions.can_see_event`.
The same file set as every app; a rule about a core object of its own would go here.
"""
