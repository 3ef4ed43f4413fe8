"""Insight: monthly aggregates per provider, comparison between providers, red flags and SVG charts."""
