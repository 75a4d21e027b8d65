"""`python -m neutra`: the same as the `neutra` command."""

from neutra.cli.main import main

main()
