"""The spine: canonical events, ingestion adapters, the event store and quarantine."""
