"""Port-fee publication (收费公示): versioned fee lists, public search and feed, estimates, supervision."""
