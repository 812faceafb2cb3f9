"""`python -m alu ...` runs the CLI."""

from .cli import main

main()
