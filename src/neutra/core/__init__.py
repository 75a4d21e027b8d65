"""The pure domain of Neutra: units, GWP sets, factors, the footprint engine.

It must never import Django, Typer, rich, file-format readers or any upper
layer of Neutra (an import-linter contract checks this).
"""
