"""A vessel's entry clearance by customs, border inspection and the maritime authority in
parallel (串联改并联), each check its own event, the call cleared when all are done."""
