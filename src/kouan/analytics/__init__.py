"""Clearance-time analytics: Ibis expressions over the per-declaration case table.

The same metric definition runs on the operational store (SQLite or PostgreSQL), on DuckDB over
a Parquet export and on Spark. ``tables`` holds the unbound schema, ``metrics`` the expressions,
``engines`` the only place that connects to a backend and ``run`` executes into dataclasses.
Per STYLE.md §7.2 rule 6 this package imports ibis, ``kouan.kit`` and ``kouan.events.domain`` only.
"""
