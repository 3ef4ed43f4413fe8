"""The provider directory: providers, their hierarchy and the CSV importer."""
