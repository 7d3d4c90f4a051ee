"""`deployq asyncapi`: the AsyncAPI document written, or checked against the file."""

from __future__ import annotations

from pathlib import Path

import typer

from deployq.commandline.failures import Exit, fail


def asyncapi_file(output: Path, *, check: bool) -> None:
    from deployq.consumers.asyncapi import render

    text = render()
    if check:
        if not output.exists() or output.read_text() != text:
            fail(f"{output} is out of date: run `deployq asyncapi`", Exit.REFUSED)
        return
    output.write_text(text)
    typer.echo(f"wrote {output}")
