"""Templates: reusable documents with roles, fields and reminders, and signing requests made
from them. ``service`` holds the rules, ``repository`` the queries, ``using`` the merge of a
template with the people and values of the day."""
