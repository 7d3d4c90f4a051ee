"""The one page of figures `python -m benchmarks` writes (docs/benchmarks.md).

The modules: `sections` (which benchmarks run, with which arguments: the one list to extend),
`machine` (what the page says about the machine) and `markdown` (the page itself). The figures
come from the benchmarks through `benchmarks.figures`.
"""
