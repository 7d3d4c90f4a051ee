"""What the `deployq` command needs beyond its typer wiring (deployq/cli.py): bodies read from
the command line and checked before sending, failures turned into one line and an exit code,
and the dead-letter commands."""
