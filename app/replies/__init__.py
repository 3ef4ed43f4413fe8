"""The response loop: replies, changes planned and made, alerts and digests, the staff dashboard."""
