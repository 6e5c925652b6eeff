"""The durable machinery under every front end: the inbox worker, the outbox sender, leases, wake-ups, logs."""
