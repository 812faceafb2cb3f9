"""`python -m alu` runs the command line."""

from .cli import main

main()
