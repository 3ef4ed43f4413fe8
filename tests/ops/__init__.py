"""Operating the site: readiness, outages, logs, metrics, upgrades and the deploy docs (issue #22)."""
