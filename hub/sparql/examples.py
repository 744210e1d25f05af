"""The one gallery of example queries: the SPARQL page, the site's linked-data page and ``hub sparql --examples``.

The first is the query the SPARQL page opens with. They double as documentation of the graph's shape (which property
links what), so
each one is written to be read: prefixes ``hub:``, ``schema:``, ``skos:``, ``dcterms:``,
``rdfs:`` and ``prov:`` are predeclared by the endpoint. Tests run every one of them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Example:
    id: str
    title: str
    description: str
    query: str


EXAMPLES: tuple[Example, ...] = (
    Example(
        "practices-lead-city",
        "Practices and their lead city",
        "Each practice with the city that leads it; both link to their pages on this site.",
        """SELECT ?practice ?title ?city ?name
WHERE {
  ?practice a hub:Practice ;
            rdfs:label ?title ;
            hub:leadCity ?city .
  ?city rdfs:label ?name .
}
ORDER BY ?name ?title
LIMIT 50""",
    ),
    Example(
        "practices-per-theme",
        "Practices per theme",
        "How many practices work on each theme: the counts behind the search facets.",
        """SELECT ?theme (COUNT(DISTINCT ?practice) AS ?practices)
WHERE {
  ?practice a hub:Practice ;
            hub:theme/skos:prefLabel ?theme .
  FILTER (lang(?theme) = "en")
}
GROUP BY ?theme
ORDER BY DESC(?practices) ?theme""",
    ),
    Example(
        "practices-in-region",
        "Practices in a region, with city and country",
        "A join from practice to city to country to region (here: East and Southern Africa).",
        """SELECT ?title ?city ?country
WHERE {
  ?practice a hub:Practice ;
            rdfs:label ?title ;
            hub:implementedBy ?c .
  ?c rdfs:label ?city ;
     schema:containedInPlace ?k .
  ?k skos:prefLabel ?country ;
     skos:broader/skos:prefLabel "East and Southern Africa"@en .
  FILTER (lang(?country) = "en")
}
ORDER BY ?country ?city ?title""",
    ),
    Example(
        "themes-under-a-theme",
        "Everything under a broader theme",
        "A skos:broader* property path: every theme below 'primary prevention service areas', with its practices.",
        """SELECT ?theme (COUNT(DISTINCT ?practice) AS ?practices)
WHERE {
  ?top skos:prefLabel "primary prevention service areas"@en .
  ?t skos:broader* ?top ;
     skos:prefLabel ?theme .
  FILTER (lang(?theme) = "en")
  OPTIONAL { ?practice a hub:Practice ; hub:theme ?t }
}
GROUP BY ?theme
ORDER BY DESC(?practices)""",
    ),
    Example(
        "text-search",
        "Practices that mention young people",
        "A text FILTER over titles and summaries (for ranked search use /api/search).",
        """SELECT ?title ?summary
WHERE {
  ?practice a hub:Practice ;
            rdfs:label ?title ;
            schema:description ?summary .
  FILTER (CONTAINS(LCASE(?title), "youth") || REGEX(?summary, "young|youth", "i"))
}
ORDER BY ?title""",
    ),
    Example(
        "cities-on-a-map",
        "Cities on a map",
        "Every city with coordinates and how many practices it has: results with a latitude and longitude are drawn on "
        "a map.",
        """SELECT ?city ?name ?lat ?long (COUNT(DISTINCT ?practice) AS ?practices)
WHERE {
  ?city a hub:City ;
        rdfs:label ?name ;
        schema:geo [ schema:latitude ?lat ; schema:longitude ?long ] .
  OPTIONAL { ?practice a hub:Practice ; hub:implementedBy ?city }
}
GROUP BY ?city ?name ?lat ?long
ORDER BY DESC(?practices) ?name""",
    ),
    Example(
        "learning-links",
        "Which city learned from which",
        "Learning links between cities, with the evidence the sources give.",
        """SELECT ?from ?relation ?to ?year ?evidence
WHERE {
  ?link a hub:LearningLink ;
        hub:fromCity/rdfs:label ?from ;
        hub:toCity/rdfs:label ?to ;
        hub:relation/rdfs:label ?relation ;
        hub:evidence ?evidence .
  OPTIONAL { ?link hub:year ?year }
}
ORDER BY ?from ?to""",
    ),
    Example(
        "peers-by-shared-themes",
        "Peer cities of Cape Town by shared themes",
        "Cities whose practices share the most themes with Cape Town's: a simple peer measure "
        "(the hub's own peers add challenges, context and text similarity).",
        """SELECT ?peer (COUNT(DISTINCT ?theme) AS ?shared)
       (GROUP_CONCAT(DISTINCT ?label; separator=", ") AS ?themes)
WHERE {
  ?city dcterms:identifier "cape-town" .
  ?mine hub:implementedBy ?city ; hub:theme ?theme .
  ?theirs hub:implementedBy ?other ; hub:theme ?theme .
  FILTER (?other != ?city)
  ?other rdfs:label ?peer .
  ?theme skos:prefLabel ?label .
  FILTER (lang(?label) = "en")
}
GROUP BY ?peer
ORDER BY DESC(?shared) ?peer
LIMIT 10""",
    ),
    Example(
        "levels-by-region",
        "Prevention levels by region",
        "How many practices each region has at the primary, secondary and tertiary level.",
        """SELECT ?region ?level (COUNT(DISTINCT ?practice) AS ?practices)
WHERE {
  ?practice a hub:Practice ;
            hub:region/skos:prefLabel ?region ;
            hub:preventionLevel/skos:prefLabel ?level .
  FILTER (lang(?region) = "en" && lang(?level) = "en")
}
GROUP BY ?region ?level
ORDER BY ?region ?level""",
    ),
    Example(
        "practices-by-evidence",
        "Practices by evidence level",
        "How many practices are at each evidence level, strongest first: what their sources report about whether "
        'they work ("described only" means the sources report no evaluation, not that the practice failed).',
        """SELECT ?level (COUNT(DISTINCT ?practice) AS ?practices)
WHERE {
  ?practice a hub:Practice ;
            hub:evidenceLevel ?concept .
  ?concept skos:prefLabel ?level ;
           skos:notation ?order .
  FILTER (lang(?level) = "en")
}
GROUP BY ?level ?order
ORDER BY ?order""",
    ),
    Example(
        "sources-of-practices",
        "Where each practice comes from",
        "Provenance: the source document and section every practice was written from.",
        """SELECT ?title ?document ?section
WHERE {
  ?practice a hub:Practice ;
            rdfs:label ?title ;
            prov:wasDerivedFrom ?passage .
  ?passage hub:section ?section ;
           dcterms:isPartOf/rdfs:label ?document .
}
ORDER BY ?title
LIMIT 50""",
    ),
    Example(
        "ask-tertiary-europe",
        "Is there a tertiary-prevention practice in Europe?",
        "An ASK query: the answer is true or false.",
        """ASK {
  ?practice a hub:Practice ;
            hub:preventionLevel/skos:prefLabel "tertiary"@en ;
            hub:region/skos:prefLabel "Europe"@en .
}""",
    ),
    Example(
        "construct-city-practices",
        "A small graph of cities and their practices",
        "A CONSTRUCT query: returns RDF (Turtle, N-Triples, JSON-LD), here schema.org statements linking cities to "
        "practices.",
        """CONSTRUCT {
  ?city schema:name ?name ;
        schema:subjectOf ?practice .
  ?practice schema:name ?title .
}
WHERE {
  ?practice a hub:Practice ;
            rdfs:label ?title ;
            hub:implementedBy ?city .
  ?city rdfs:label ?name .
}""",
    ),
    Example(
        "describe-city",
        "Everything about one city",
        "A DESCRIBE query: all statements about Nansana.",
        """DESCRIBE ?city
WHERE { ?city a hub:City ; dcterms:identifier "nansana" }""",
    ),
)


def gallery(endpoint: str = "/sparql") -> list[dict[str, str]]:
    """The examples as the pages show them: each with a link that opens the query page with it filled in and run."""
    from urllib.parse import urlencode

    return [
        {
            "id": e.id,
            "title": e.title,
            "description": e.description,
            "query": e.query,
            "href": f"{endpoint}?{urlencode({'query': e.query})}#results",
        }
        for e in EXAMPLES
    ]
