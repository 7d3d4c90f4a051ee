"""PostgreSQL storage: tables, one repository module per noun, the unit of work, migrations.

Nothing here commits: the unit of work owns the transaction.
"""
