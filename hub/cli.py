"""The `hub` command: a thin Typer layer over the library (parse arguments, call, format)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from hub.config import settings
from hub.errors import HubError

console = Console()
err = Console(stderr=True, soft_wrap=True)


class Commands(TyperGroup):
    """The one place a :class:`HubError` meets the terminal: a red ✗, its message, and its exit code."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except HubError as exc:
            err.print(f"[red]✗[/red] {exc.terminal()}", highlight=False)
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    help="Strong Cities practice hub: build, check, search and serve the knowledge graph.",
    no_args_is_help=True,
    add_completion=False,
    cls=Commands,
)


def _print_problems(problems, fmt: str) -> None:
    if fmt == "json":
        print(
            json.dumps(
                [{"path": p.path, "line": p.line, "severity": p.severity, "message": p.message} for p in problems],
                indent=2,
            )
        )
        return
    for p in problems:
        if fmt == "github":
            print(f"::{p.severity} file={p.path},line={p.line}::{p.message}")
        else:
            style = "red" if p.severity == "error" else "yellow"
            err.print(f"[bold]{p.path}:{p.line}[/bold]: [{style}]{p.severity}[/{style}]: {p.message}", highlight=False)


@app.command()
def validate(
    fmt: Annotated[
        str, typer.Option("--format", help="text | json | github (annotations for pull-request checks)")
    ] = "text",
    warnings: Annotated[bool, typer.Option("--warnings/--no-warnings", help="also list warnings")] = True,
) -> None:
    """Check every file under data/ and report all problems as path:line; writes nothing."""
    from hub.ingest.validate import load_corpus

    if fmt not in ("text", "json", "github"):
        raise typer.BadParameter("choose text, json or github", param_hint="--format")
    s = settings()
    corpus = load_corpus(s.data_dir)
    shown = corpus.problems if warnings else corpus.errors
    _print_problems(shown, fmt)
    if fmt == "text":
        err.print(("[red]✗[/red] " if corpus.errors else "[green]✓[/green] ") + corpus.summary(), highlight=False)
    raise typer.Exit(1 if corpus.errors else 0)


@app.command()
def build(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="print nothing but errors")] = False,
    watch: Annotated[
        bool,
        typer.Option("--watch", help="after building, rebuild (incrementally) whenever data/ changes; Ctrl-C stops"),
    ] = False,
) -> None:
    """Validate, then build the graph, store, indexes and site into build/ (atomically)."""
    from hub.build import BuildError, build as run_build

    s = settings()
    if watch:
        from hub.build.watch import watch_as_child

        watch_as_child(s, lambda m: err.print(f"[dim]watch:[/dim] {m}", highlight=False))
        return
    report = (lambda _m: None) if quiet else (lambda m: err.print(f"[dim]•[/dim] {m}", highlight=False))
    try:
        ctx = run_build(s, report=report)
    except BuildError as exc:
        _print_problems(exc.problems, "text")
        err.print(f"[red]✗ build failed:[/red] {exc}\n  the previous build (if any) is still in place", highlight=False)
        raise typer.Exit(1) from None
    if not quiet:
        st = ctx.stats
        err.print(
            f"[green]✓[/green] built {st.get('practices')} practices, {st.get('cities')} cities, {st.get('resources')} "
            "resources, "
            f"{st.get('spotlights')} spotlights ({st.get('triples')} triples) in {ctx.timings['total']:.1f}s → "
            f"{s.build_dir}",
            highlight=False,
        )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="server processes (2 fits a 2-core machine)")] = 1,
    watch: Annotated[
        bool, typer.Option("--watch", help="rebuild when data/ changes and reload open pages (one worker)")
    ] = False,
) -> None:
    """Serve the built site, the JSON API and the SPARQL endpoint."""
    import os

    import uvicorn

    from hub.build.watch import FRESH_ENV, start_watcher, stop_watcher
    from hub.serving import BuildMissing, preflight

    s = settings()
    os.environ.setdefault(
        "HUB_PRELOAD_MODEL", "1"
    )  # each server process loads the query model at start, not on a user's request
    try:
        preflight(s)  # the build, its catalogue, its store (or HUB_STORE's remote one) and its search index open
    except BuildMissing as exc:
        if not watch:
            raise
        err.print(f"no usable build yet ({exc}); building first", highlight=False)
        build(quiet=False, watch=False)  # a curator's first preview: exits with the errors if the data does not build
        preflight(s)
        os.environ[FRESH_ENV] = "1"  # the watcher need not build the same files again
    watcher = None
    if watch:
        os.environ["HUB_WATCH"] = "1"  # tells the app to announce live reload to the preview page
        workers = 1
        watcher = start_watcher()  # the rebuilds run in a process of their own (hub.build.watch)
    err.print(f"serving {s.build_dir} on http://{host}:{port}/", highlight=False)
    try:
        uvicorn.run(
            "hub.api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            http="hub.api.guard:NoDelayH11",
            timeout_keep_alive=KEEP_ALIVE_S,
            # The client address (rate limit) comes from X-Forwarded-For only when the proxy is on this host
            # (nginx of scripts/stack.sh, which sets that header itself), unless FORWARDED_ALLOW_IPS names another.
            proxy_headers=True,
            forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        )
    finally:
        if watcher is not None:
            stop_watcher(watcher)


# Longer than clients keep an idle connection (httpx, browsers: 5 s or less). At uvicorn's own 5 s a
# client could send on a connection at the moment the server closed it: one reset request in
# 2,055 at 50 users in bench/load.py. Idle connections cost a file descriptor each.
KEEP_ALIVE_S = 20


@app.command("vocab")
def vocab_cmd(
    scheme: Annotated[str | None, typer.Argument(help="a scheme name, e.g. themes; omit to list schemes")] = None,
) -> None:
    """List the controlled vocabularies, or the terms of one with definitions and how many records use each."""
    from rich.tree import Tree

    from hub import vocab
    from hub.ingest.validate import load_corpus, term_usage

    schemes = vocab.load()
    if scheme is None:
        for name, sch in schemes.items():
            console.print(f"[bold]{name}[/bold] ({len(sch.concepts)} terms): {sch.definition}", highlight=False)
        console.print(
            "\n[dim]`hub vocab NAME` shows one scheme. To add a term, add a skos:Concept to "
            "hub/ontology/vocab/NAME.ttl (see CONTRIBUTING.md).[/dim]"
        )
        return
    if scheme not in schemes:
        err.print(f"[red]unknown scheme '{scheme}'[/red]; one of: {', '.join(schemes)}")
        raise typer.Exit(2)
    sch = schemes[scheme]
    usage = term_usage(load_corpus(settings().data_dir)).get(scheme, {})
    tree = Tree(f"[bold]{sch.label}[/bold] — {sch.definition}")

    def add(node, concept) -> None:
        extra = f" [dim](also: {', '.join(concept.alt_labels)})[/dim]" if concept.alt_labels else ""
        count = f" [cyan]{usage.get(concept.label, 0)}[/cyan]"
        branch = node.add(
            f"{concept.label}{count}{extra}"
            + (f"\n[italic]{concept.definition}[/italic]" if concept.definition else "")
        )
        for child in sorted(sch.narrower(concept.id), key=lambda c: c.label):
            add(branch, child)

    for top in sorted(sch.top(), key=lambda c: c.label):
        add(tree, top)
    console.print(tree, highlight=False)


def _complete(scheme: str):
    """Shell completion of a vocabulary field from its preferred labels."""

    def complete(incomplete: str) -> list[str]:
        from hub import vocab

        return [
            c.label
            for c in vocab.load()[scheme].concepts.values()
            if vocab.fold(c.label).startswith(vocab.fold(incomplete))
        ]

    return complete


def _ask(field: str, prompt: str, data_dir: Path, many: bool = True) -> list[str]:
    """Prompt mode: take comma-separated values, checking each as flags are checked and offering the nearest."""
    from hub.ingest.scaffold import check

    chosen: list[str] = []
    answer = typer.prompt(f"{prompt}{' (comma-separated)' if many else ''}", default="", show_default=False)
    for raw in answer.split(",") if many else [answer]:
        while raw.strip():
            checked = check(field, raw, data_dir)
            if checked.value is not None:
                chosen.append(checked.value)
                break
            raw = typer.prompt(
                f"  {checked.problem}\n  type it again, or press Enter to skip", default="", show_default=False
            )
    return chosen


def _check_flags(given: dict[str, tuple[str, list[str]]], data_dir: Path) -> tuple[dict[str, list[str]], list[str]]:
    """Flags mode: every value resolved, or every refusal (with its suggestion) collected before anything is written."""
    from hub.ingest.scaffold import check

    values: dict[str, list[str]] = {}
    problems: list[str] = []
    for field, (flag, raws) in given.items():
        values[field] = []
        for raw in raws:
            checked = check(field, raw, data_dir)
            if checked.value is None:
                problems.append(f"{flag} {checked.problem}")
            else:
                values[field].append(checked.value)
    return values, problems


@app.command()
def new(
    kind: Annotated[str, typer.Argument(help="practice | city | resource | spotlight")],
    title: Annotated[
        str | None,
        typer.Option(
            help="title (name, for a city); the id is derived from it. Without it, hub new asks for every field"
        ),
    ] = None,
    # B006: Typer builds a fresh list for every call, so the shared [] is never mutated
    city: Annotated[list[str], typer.Option(help="city id (repeatable)")] = [],  # noqa: B006
    theme: Annotated[list[str], typer.Option(help="theme (repeatable)", autocompletion=_complete("themes"))] = [],  # noqa: B006
    stakeholder: Annotated[
        list[str], typer.Option(help="stakeholder (repeatable)", autocompletion=_complete("stakeholders"))
    ] = [],  # noqa: B006
    challenge: Annotated[
        list[str], typer.Option(help="challenge (repeatable)", autocompletion=_complete("challenges"))
    ] = [],  # noqa: B006
    level: Annotated[
        list[str], typer.Option(help="prevention level (repeatable)", autocompletion=_complete("prevention-levels"))
    ] = [],  # noqa: B006
    country: Annotated[str | None, typer.Option(help="country (cities)", autocompletion=_complete("countries"))] = None,
    source: Annotated[
        str | None, typer.Option(help="source document file name, e.g. 003_e04d2a6da5edb9b9.txt, or a resource id")
    ] = None,
    section: Annotated[str | None, typer.Option(help="section of the source document")] = None,
) -> None:
    """Create a new record file with its id derived from the title, then tell you how to check it.

    Every value given is checked first, as `hub validate` would: an unknown term, city or source
    is refused with the nearest valid ones and nothing is written. Without --title (or at a
    terminal) it asks for each field not given."""
    from hub.config import KIND_FOLDERS
    from hub.ingest.scaffold import create

    if kind not in KIND_FOLDERS:
        raise typer.BadParameter(f"choose one of {', '.join(KIND_FOLDERS)}", param_hint="KIND")
    data_dir = settings().data_dir
    given = {
        "city": ("--city", city),
        "source": ("--source", [source] if source else []),
        "themes": ("--theme", theme),
        "stakeholders": ("--stakeholder", stakeholder),
        "challenges": ("--challenge", challenge),
        "levels": ("--level", level),
        "country": ("--country", [country] if country else []),
    }
    values, problems = _check_flags(given, data_dir)
    if problems:
        for problem in problems:
            err.print(f"[red]✗[/red] {problem}", highlight=False)
        err.print("nothing was written; run the command again with these fixed", highlight=False)
        raise typer.Exit(2)
    interactive = title is None or sys.stdin.isatty()
    title = title or typer.prompt("Title" if kind != "city" else "Name")
    asks = (
        {
            "city": "City ids, lead city first",
            "themes": "Themes",
            "stakeholders": "Stakeholders",
            "challenges": "Challenges",
            "levels": "Prevention levels",
        }
        if kind in ("practice", "spotlight")
        else {}
    )
    if kind == "spotlight":
        asks = {"city": asks["city"]}
    if kind == "city":
        asks = {"country": "Country"}
    asks["source"] = "Source document (its file name, or a resource id)"
    for field, prompt in asks.items():
        if interactive and not values[field]:
            values[field] = _ask(field, prompt, data_dir, many=field not in ("source", "country"))
    if interactive and not section:
        section = typer.prompt("Section of the source document", default="", show_default=False).strip() or None
    fields: dict = {
        "cities": values["city"],
        "themes": values["themes"],
        "stakeholders": values["stakeholders"],
        "challenges": values["challenges"],
        "levels": values["levels"],
    }
    if values["source"]:
        fields["doc"] = values["source"][0]
    if section:
        fields["section"] = section
    if values["country"]:
        fields["country"] = values["country"][0]
    path = create(kind, title, data_dir, fields)
    console.print(
        f"[green]created[/green] {path}\n"
        "replace the placeholders (text in capitals and the sample sentences) "
        "with what the sources say, then run [bold]hub validate[/bold]",
        highlight=False,
    )
    if kind == "city":
        from hub.ingest.city_places import candidates_for, city_file

        console.print("GeoNames places it may be: confirm one as [bold]geonames: ID[/bold]", highlight=False)
        _print_candidates(candidates_for(city_file(path), limit=3))


@app.command()
def schema(
    kind: Annotated[str, typer.Argument(help="practice | city | resource | spotlight")] = "practice",
) -> None:
    """Print the JSON Schema of a record's front-matter (for editors that validate YAML while you type)."""
    from hub.config import KIND_FOLDERS
    from hub.ingest.schema import front_matter_schema

    if kind not in KIND_FOLDERS:
        raise typer.BadParameter(f"choose one of {', '.join(KIND_FOLDERS)}", param_hint="KIND")
    print(json.dumps(front_matter_schema(kind), indent=2, ensure_ascii=False))


def _marked(snippet: str):
    """A search snippet (escaped HTML with <mark>) as rich text with the marks in bold."""
    import html
    import re

    from rich.text import Text

    text = Text()
    for i, part in enumerate(re.split(r"</?mark>", snippet)):
        text.append(html.unescape(part), style="bold yellow" if i % 2 else "")
    return text


def _facet_options(command):
    """One repeatable ``--<facet>`` option per filter of the facet registry (hub.facets), after ``--mode``, passed
    to the command as ``**filters``: a facet added to the registry is an option of ``hub search`` with no change
    here. Typer reads the options from the signature this sets."""
    import inspect

    from hub.facets import FACET_BY_NAME, TYPE_FACET, facet_names

    def option(name: str) -> inspect.Parameter:
        if name == TYPE_FACET:
            info = typer.Option("--type", help="practice | city | resource | spotlight (repeatable: OR)")
        else:
            facet = FACET_BY_NAME[name]
            info = typer.Option(
                f"--{name}",
                help=f"{facet.label.lower()}: id or label (repeatable: OR)",
                autocompletion=_complete(facet.scheme),
            )
        # B006: Typer builds a fresh list for every call, so the shared [] is never mutated
        return inspect.Parameter(
            name, inspect.Parameter.KEYWORD_ONLY, default=[], annotation=Annotated[list[str], info]
        )

    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    at = next(i for i, p in enumerate(own) if p.name == "mode") + 1
    keyword = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own[at:]]
    command.__signature__ = signature.replace(parameters=[*own[:at], *map(option, facet_names()), *keyword])
    return command


@app.command("search")
@_facet_options
def search_cmd(
    query: Annotated[
        str, typer.Argument(help='what you are looking for, in your own words; "" with filters to browse')
    ] = "",
    mode: Annotated[str, typer.Option(help="hybrid | keyword | semantic")] = "hybrid",
    limit: Annotated[int, typer.Option(help="results to show (1-100)")] = 10,
    offset: Annotated[int, typer.Option(help="results to skip (paging)")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="print the same JSON as GET /api/search")] = False,
    **filters: list[str],
) -> None:
    """Search practices, cities, resources and impact stories (the search behind GET /api/search)."""
    from rich.table import Table
    from rich.text import Text

    from hub.search.index import load

    resp = load(settings().search_dir).search(query, mode=mode, filters=filters, limit=limit, offset=offset)
    if as_json:
        print(json.dumps(resp, ensure_ascii=False, indent=2))
        return
    for notice in [*resp.get("notices", []), *([resp["notice"]] if resp.get("notice") else [])]:
        err.print(f"[yellow]![/yellow] {notice}", highlight=False)
    searched = resp["did_you_mean"] if resp.get("corrected") else query
    table = Table(
        show_lines=True,
        title=f"{resp['total']} result(s) for {searched!r} ({resp['mode']})" if query else f"{resp['total']} record(s)",
    )
    for col in ("#", "result", "type", "where", "score"):
        table.add_column(col, overflow="fold")
    for i, r in enumerate(resp["results"], start=offset + 1):
        cell = _marked(r["snippet"])
        cell.append(f"\n{r['url']}", style="dim")
        cell = Text(r["title"] + "\n", style="bold").append_text(cell)
        table.add_row(
            str(i), cell, r["type"], ", ".join(x for x in (r["city"], r["country"]) if x), f"{r['score']:.3f}"
        )
    console.print(table)
    for name in ("theme", "region", "level"):
        top = ", ".join(f"{v['label']} ({v['count']})" for v in resp["facets"][name][:6])
        if top:
            console.print(f"[bold]{name}[/bold]: {top}", highlight=False)


@app.command("peers")
def peers_cmd(
    city: Annotated[str | None, typer.Argument(help="a city id, e.g. nansana (see GET /api/cities)")] = None,
    describe: Annotated[
        str | None, typer.Option("--describe", help="describe a city that is not in the hub, in a few sentences")
    ] = None,
    region: Annotated[
        str | None, typer.Option(help="with --describe: its region", autocompletion=_complete("regions"))
    ] = None,
    country: Annotated[
        str | None, typer.Option(help="with --describe: its country", autocompletion=_complete("countries"))
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=15, help="how many peers (1-15)")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="print the same JSON as the API")] = False,
    population: Annotated[
        int | None, typer.Option(help="with --describe: the town's population (said in reasons, not scored)")
    ] = None,
    geonames: Annotated[
        int | None, typer.Option(help="with --describe: the town's GeoNames id, instead of --population")
    ] = None,
) -> None:
    """Peer cities with the reasons why: for a hub city, or for a city you describe (--describe)."""
    from hub.peers import PeerIndex
    from hub.peers.index import read_peers

    if (city is None) == (describe is None):
        raise typer.BadParameter('give a city id, or --describe "..." (not both)')
    build_dir = settings().build_dir
    try:
        resp = (
            read_peers(build_dir, city, limit)
            if city
            else PeerIndex.load(build_dir).describe(
                describe, region=region, country=country, limit=limit, population=population, geonames=geonames
            )
        )
    except FileNotFoundError as exc:
        err.print(f"[red]✗[/red] {exc.filename} is missing: run `hub build` first", highlight=False)
        raise typer.Exit(1) from None
    if as_json:
        print(json.dumps(resp, ensure_ascii=False, indent=2))
        return
    console.print(f"[bold]Peers of {resp['label']}[/bold]", highlight=False)
    if resp.get("profile"):
        understood = "; ".join(f"{k}: {', '.join(v)}" for k, v in resp["profile"].items() if v and isinstance(v, list))
        console.print(f"[dim]understood — {understood or 'nothing from the vocabulary'}[/dim]", highlight=False)
    if resp["note"]:
        console.print(f"[yellow]![/yellow] {resp['note']}", highlight=False)
    for i, p in enumerate(resp["peers"], start=1):
        where = ", ".join(x for x in (p["country"], p["region"]) if x)
        console.print(
            f"\n[bold]{i}. {p['label']}[/bold] ({where}) [dim]score {p['score']:.2f} · {p['url']}[/dim]",
            highlight=False,
        )
        for m in p.get("members") or []:  # a grouped card: its cities, each with its size
            size = f" — {m['size']}" if m.get("size") else ""
            console.print(f"   · {m['label']}{size} [dim]{m['url']}[/dim]", highlight=False)
        for pr in (p.get("group") or {}).get("practices") or []:
            console.print(f"   all took part in: {pr['title']} [dim]{pr['url']}[/dim]", highlight=False)
        for r in p["reasons"][1:] if p.get("group") else p["reasons"]:
            console.print(f"   + {r}", highlight=False)
        for d in p["differs"][:2]:
            console.print(f"   [dim]- {d}[/dim]", highlight=False)
        for pr in p["practices"]:
            console.print(f"   read: {pr['title']} [dim]{pr['url']}[/dim]", highlight=False)


@app.command("geonames")
def geonames_cmd(
    city: Annotated[str | None, typer.Argument(help="a city id, e.g. nansana (a file in data/cities/)")] = None,
    missing: Annotated[bool, typer.Option("--missing", help="list the city records without a geonames: id")] = False,
    limit: Annotated[int, typer.Option(min=1, max=20, help="how many candidates (1-20)")] = 5,
) -> None:
    """GeoNames places a city record may be about, for you to confirm as `geonames: ID` (or --missing)."""
    from hub.ingest.city_places import candidates_for, city_file, city_path, missing as without_id

    data_dir = settings().data_dir
    if missing:
        if city:
            raise typer.BadParameter("give a city id, or --missing (not both)")
        rows = without_id(data_dir)
        for c in rows:
            why = escape(c.curator_notes) if c.curator_notes else "[yellow]no curator_notes: say why[/yellow]"
            console.print(f"[bold]{c.id}[/bold] ({c.admin_type}, {c.country}): {why}", highlight=False, soft_wrap=True)
        console.print(f"[dim]{len(rows)} city records without a geonames: id[/dim]", highlight=False, soft_wrap=True)
        return
    if not city:
        raise typer.BadParameter("give a city id, or --missing")
    path = city_path(city, data_dir)
    if not path.exists():
        err.print(f"[red]✗[/red] no city record {city!r} (a file in data/cities/)", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    record = city_file(path)
    names = escape(", ".join((record.name, *record.aliases)))
    console.print(
        f"[bold]{record.id}[/bold]: {names} ({record.admin_type}, {record.country})", highlight=False, soft_wrap=True
    )
    if record.geonames:
        console.print(f"confirmed: geonames: {record.geonames}", highlight=False, soft_wrap=True)
    _print_candidates(candidates_for(record, limit=limit))


def _print_candidates(found) -> None:
    """One line per GeoNames candidate: what a curator needs to tell two places of the same name apart."""
    if not found:
        console.print(
            "no GeoNames place of that name in that country: if none fits, say why in curator_notes:",
            highlight=False,
            soft_wrap=True,
        )
        return
    for c in found:
        away = f", {c.distance_km:g} km from the record's coordinates" if c.distance_km is not None else ""
        console.print(
            f"  {c.geonameid}  {escape(c.name)} (admin1 {c.admin1code or '?'}, population {c.population:,}{away})"
            f" [dim]matched '{escape(c.matched)}' · {c.url}[/dim]",
            highlight=False,
            soft_wrap=True,
        )


@app.command("sparql")
def sparql_cmd(
    query: Annotated[str | None, typer.Argument(help="the query; @FILE reads it from a file, - from stdin")] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="table | json | xml | csv | tsv (SELECT/ASK); "
            "turtle | ntriples | jsonld | rdfxml (CONSTRUCT/DESCRIBE)",
        ),
    ] = "",
    timeout: Annotated[
        float | None, typer.Option(help="seconds; at most the server's limit (HUB_SPARQL_TIMEOUT)")
    ] = None,
    examples: Annotated[bool, typer.Option("--examples", help="list the example queries of the SPARQL page")] = False,
) -> None:
    """Run a read-only SPARQL query on the built graph (or HUB_STORE) with the endpoint's safety checks and limits."""
    import dataclasses

    from rich.table import Table

    from hub.sparql.examples import EXAMPLES
    from hub.sparql.execute import execute, named_format

    if examples or query is None:
        for e in EXAMPLES:
            console.print(f"[bold]{e.title}[/bold] [dim]({e.id})[/dim] — {e.description}\n{e.query}\n", highlight=False)
        return
    text = (
        sys.stdin.read()
        if query == "-"
        else Path(query[1:]).read_text(encoding="utf-8")
        if query.startswith("@")
        else query
    )
    s = dataclasses.replace(settings(), sparql_workers=1)  # one query: one worker
    done = execute(s, text, named_format(None if fmt == "table" else fmt, also="table"), timeout)
    answer = done.answer
    table = fmt in ("", "table") and not done.plan.returns_graph
    if not table:
        sys.stdout.buffer.write(answer.payload)
    else:
        data = json.loads(answer.payload)
        if "boolean" in data:
            print("true" if data["boolean"] else "false")
        else:
            grid = Table(*data["head"]["vars"])
            for b in data["results"]["bindings"]:
                grid.add_row(*(b.get(v, {}).get("value", "") for v in data["head"]["vars"]))
            console.print(grid, highlight=False)
    if answer.truncated:
        err.print(
            f"[yellow]![/yellow] only the first {answer.max_rows} rows: add LIMIT/OFFSET, or download the graph",
            highlight=False,
        )


@app.command()
def publish(
    to: Annotated[
        str, typer.Option("--to", help="the server's Graph Store Protocol endpoint, e.g. http://host:7878/store")
    ],
    query_url: Annotated[
        str | None,
        typer.Option(help="its query endpoint (default HUB_STORE): prunes graphs the build no longer has"),
    ] = None,
) -> None:
    """Load the built graph into a SPARQL 1.1 server (one PUT per record graph); then point HUB_STORE at its query endpoint."""  # noqa: E501 (its text is the public API/CLI description)
    from hub.store import StoreError, publish as run_publish

    s = settings()
    nquads = s.build_dir / "graph.nq"
    if not nquads.is_file():
        err.print(f"[red]✗[/red] no {nquads}: run `hub build` first")
        raise typer.Exit(1)
    try:
        report = run_publish(nquads, to, query_url or s.store_url or None)
    except StoreError as exc:
        err.print(f"[red]✗[/red] {exc}", highlight=False)
        raise typer.Exit(1) from None
    err.print(
        f"[green]✓[/green] {report.graphs} graphs ({report.triples} triples) → {to}"
        + (f"; removed {len(report.removed)} stale graph(s)" if report.removed else ""),
        highlight=False,
    )
    for w in report.warnings:
        err.print(f"[yellow]![/yellow] {w}", highlight=False)


def main() -> None:  # pragma: no cover - console script entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
