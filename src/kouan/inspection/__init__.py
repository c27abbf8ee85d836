"""Risk targeting and inspection (issue #16): targeting rules and random draws, selectivity at
lodging, no inspection without cause (无因不查), inspection records by method, green channels."""
