"""The credits app: the carbon-credit book of record of a consultancy and its clients (DESIGN.md §5)."""
