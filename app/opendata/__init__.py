"""Open data: the downloadable dataset, the JSON API, feeds and the OpenAPI document."""
