"""Vessel schedule + port gathering (船讯+集港): the one-stop view of an export booking or B/L
(issue #17 part 4)."""
