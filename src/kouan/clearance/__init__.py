"""Per-declaration clearance cases: each declaration's clock, maintained as events arrive."""
