"""Variables (resource and reference), variable scopes and collections, and initializers."""
