"""The `tablemodel` command line: parses arguments, calls the library, renders, sets exit codes.

Only this package imports click and rich. Library modules never import it, and it holds no
logic the library lacks. Exit codes: 0 clean, 1 findings, 2 load, usage or internal error.
"""
