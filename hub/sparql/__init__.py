"""Running outside SPARQL queries safely: refuse what is unsafe, format results, and kill what runs too long.

``guard`` decides whether a query may run (read-only, no SERVICE, no remote dataset),
``results`` writes capped results in the standard formats, ``runner`` keeps a pool of
``worker`` processes and kills the one whose query outlives its time limit. None of it
knows about HTTP: the endpoint (``hub.api.sparql``) and the CLI (``hub sparql``) are thin
layers over it. (Nothing is imported here, so a worker process starts with little.)
"""
