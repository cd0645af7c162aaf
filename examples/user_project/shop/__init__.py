"""A sample service ("shop") that keeps its orders next to Postroom's outbox and inbox."""
