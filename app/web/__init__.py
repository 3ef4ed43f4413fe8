"""Web plumbing: layout helpers, security headers, error pages, /healthz."""
