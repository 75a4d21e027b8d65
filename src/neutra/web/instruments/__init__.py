"""Contractual instruments of an inventory (GOs, RECs, I-RECs, PPAs, supplier rates) for
market-based scope 2 (DESIGN.md §3.4): recorded per client and year, used by its calculation."""
