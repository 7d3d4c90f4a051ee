"""Wire models: what upstream services send and receive (CONTRACT §2–4).

Commands are frozen and refuse unknown fields; results are built from rows in
`deployq.handlers.convert`, the one place where tables and wire models meet.
"""
