"""The HTTP face of the hub: JSON API, SPARQL endpoint and the static site."""
