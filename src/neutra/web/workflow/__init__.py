"""The inventory workflow in the web: moves between states, and whether figures are current.

Above the activities and calculations apps (it reads both) and below the
dashboards (which show its answer beside every figure). The rules themselves
are `neutra.core.workflow`'s table; this app enforces them with row locks
and the audit log, and answers "are these figures current?" in one place.
"""
