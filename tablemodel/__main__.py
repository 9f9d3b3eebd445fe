"""`python -m tablemodel` runs the CLI."""

from tablemodel.cli.main import main

main()
