"""A structural snapshot of a database, to see exactly what a downgrade left behind.

Relations (tables, partitions, indexes, views, sequences) with their columns, types and
nullability, and every constraint, in every schema but PostgreSQL's own. Alembic version
tables (a single ``version_num`` column) are left out: they exist once a run has begun.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["schema_snapshot"]

_RELATIONS = sa.text(
    """
    SELECT n.nspname || '.' || c.relname AS relation, c.relkind::text AS kind,
           coalesce(string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                               || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                               || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), ''),
                               ', ' ORDER BY a.attname), '') AS columns
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
      AND c.relkind IN ('r', 'p', 'i', 'I', 'v', 'm', 'S', 'f')
    GROUP BY n.nspname, c.relname, c.relkind
    """
)
_CONSTRAINTS = sa.text(
    """
    SELECT coalesce(rn.nspname || '.' || r.relname, '') AS relation,
           n.nspname || '.' || c.conname || ' ' || pg_get_constraintdef(c.oid) AS line
    FROM pg_constraint c
    JOIN pg_namespace n ON n.oid = c.connamespace
    LEFT JOIN pg_class r ON r.oid = c.conrelid
    LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    """
)
_ROUTINES_AND_TRIGGERS = sa.text(
    """
    SELECT 'function ' || n.nspname || '.' || p.proname
           || '(' || pg_get_function_identity_arguments(p.oid) || ')'
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = p.oid AND e.deptype = 'e')
    UNION ALL
    SELECT 'trigger ' || t.tgname || ' on ' || t.tgrelid::regclass::text
    FROM pg_trigger t WHERE NOT t.tgisinternal
    """
)


def schema_snapshot(connection: sa.Connection) -> set[str]:
    """One line per relation and per constraint; equal sets mean equal structure."""
    relations = connection.execute(_RELATIONS).all()
    version_tables = {
        r.relation for r in relations if r.columns == "version_num character varying(32) not null"
    }
    lines = {
        f"{r.kind} {r.relation} ({r.columns})"
        for r in relations
        if r.relation not in version_tables
        and not any(r.relation == f"{v}_pkc" for v in version_tables)
    }
    for relation, constraint in connection.execute(_CONSTRAINTS):
        if relation not in version_tables:
            lines.add(f"constraint {constraint}")
    lines.update(line for (line,) in connection.execute(_ROUTINES_AND_TRIGGERS))
    return lines
