"""Yearly inventories of a client organisation: draft, submitted, reviewed, locked."""
