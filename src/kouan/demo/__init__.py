"""Demo data for the Liaoning ports: organisations, people, and (later) a living event log."""
