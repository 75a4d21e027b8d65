"""The `neutra` command line: parse arguments, call core and formats, print."""
