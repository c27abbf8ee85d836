"""Export-credit-insurance channel (出口信保普惠): small exporters apply, the commerce bureau's rule
checks eligibility, the insurer reviews and issues, exporters report losses (issue #17 part 3)."""
