"""Search: keyword (Whoosh BM25F), semantic (sentence-transformers) and their hybrid fusion."""
