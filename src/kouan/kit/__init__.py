"""Framework-free helpers: errors, identifiers, time. Standard library (and python-stdnum) only."""
