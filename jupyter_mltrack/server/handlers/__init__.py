"""One module per REST resource; each handler parses, calls the service, and renders JSON."""
