"""Search: one interface, two backends (Whoosh by default; PostgreSQL full-text search for several nodes)."""
