"""`python -m esco_graph` runs the command line."""
from .cli import cli

cli(prog_name="esco-graph")
