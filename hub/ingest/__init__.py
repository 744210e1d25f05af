"""From curated Markdown files to validated records and RDF."""
