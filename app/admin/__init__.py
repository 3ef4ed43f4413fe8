"""The operators' console: providers, people, the outbox, the site's health and the audit trail."""
