"""The 24-hour quick-response desk (通关快速反应): enterprises' problems logged, dispatched to the
responsible unit, answered and resolved against response and resolution clocks
(business-rules.md §1.6)."""
