"""Demo data for local runs and screenshots."""
