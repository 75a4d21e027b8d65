"""Tenancy: consultancies, their client organisations, memberships and roles,
entity trees, and the append-only audit log.

Who may see which organisation is decided in `selectors` and nowhere else.
"""
