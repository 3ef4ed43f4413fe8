"""Mail: the outbox, its delivery worker, transports and message templates."""
