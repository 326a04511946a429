"""The step graph: planning, state, staleness, the build's threads, the lock, `status` and `explain`."""
