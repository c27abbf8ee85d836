"""7×24 appointment clearance (预约通关): slots published by customs units and terminals, booked by
traders and brokers (business-rules.md §1.6)."""
