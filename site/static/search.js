// The search page: the hub's /api/search (hybrid) when a server answers, the static index (static-search.js) when not.
// No framework. The URL (?q=…&theme=…) is the state, so a search can be bookmarked and shared.

const FACETS = ["type", "region", "level", "theme", "stakeholder", "challenge"];
const PAGE = 20;
const labels = JSON.parse(document.getElementById("facet-labels").textContent); // {facet: {id: label}}
const form = document.getElementById("search-form");
const input = document.getElementById("q");
const status = document.getElementById("status");
const list = document.getElementById("results");
const more = document.getElementById("more");
const state = { q: "", filters: {}, offset: 0, total: 0 };
let backend = null;
let seq = 0;

// Text with <mark> kept and everything else as plain text: snippets never inject markup.
function marked(html) {
  const out = document.createDocumentFragment();
  const doc = new DOMParser().parseFromString(`<body>${html || ""}</body>`, "text/html");
  for (const node of doc.body.childNodes) {
    if (node.nodeType === Node.ELEMENT_NODE && node.tagName === "MARK") {
      const m = document.createElement("mark");
      m.textContent = node.textContent;
      out.append(m);
    } else {
      out.append(document.createTextNode(node.textContent));
    }
  }
  return out;
}

const api = {
  name: "api",
  description: "hybrid search on the hub's server",
  async search(q, filters, offset) {
    const p = new URLSearchParams({ q, mode: "hybrid", limit: String(PAGE), offset: String(offset) });
    for (const f of FACETS) for (const v of filters[f] || []) p.append(f, v);
    const r = await fetch(`/api/search?${p}`, { headers: { Accept: "application/json" } });
    if (!r.ok) throw new Error(`the search API answered ${r.status}`);
    const j = await r.json();
    const counts = {};
    for (const f of FACETS) if (j.facets?.[f]) counts[f] = Object.fromEntries(j.facets[f].map((v) => [v.id, v.count]));
    return {
      total: j.total,
      counts,
      results: j.results.map((x) => ({
        url: x.url, title: x.title, type: labels.type?.[x.type] || x.type,
        place: [x.city, x.country].filter(Boolean).join(", "), snippet: x.snippet || "",
      })),
    };
  },
};

// The static copy's backend (static-search.js), loaded only when no search server answers.
const offlineConfig = JSON.parse(document.getElementById("static-search").textContent);
let offline = null;
function staticBackend() {
  offline = offline || import(offlineConfig.engine)
    .then((m) => m.createBackend({ config: offlineConfig, facets: FACETS, labels, page: PAGE }));
  return offline;
}

async function chooseBackend() {
  try {
    const r = await fetch("/api/search?limit=1", { headers: { Accept: "application/json" } });
    if (r.ok && Array.isArray((await r.json()).results)) return api;
  } catch (e) { /* no server: a static copy of the site */ }
  return staticBackend();
}

function readUrl() {
  const p = new URLSearchParams(location.search);
  state.q = (p.get("q") || "").trim();
  for (const f of FACETS) state.filters[f] = p.getAll(f);
  input.value = state.q;
  for (const box of document.querySelectorAll(".facet input[type=checkbox]")) box.checked = state.filters[box.name].includes(box.value);
}

function readForm() {
  state.q = input.value.trim();
  for (const f of FACETS) state.filters[f] = [...document.querySelectorAll(`.facet input[name="${f}"]:checked`)].map((b) => b.value);
  const p = new URLSearchParams();
  if (state.q) p.set("q", state.q);
  for (const f of FACETS) for (const v of state.filters[f]) p.append(f, v);
  history.replaceState(null, "", p.toString() ? `?${p}` : location.pathname);
}

function showCounts(counts) {
  for (const box of document.querySelectorAll(".facet input[type=checkbox]")) {
    const known = counts?.[box.name] !== undefined; // a backend that does not count this facet shows no number
    const n = known ? (counts[box.name][box.value] ?? 0) : null;
    const count = box.labels[0].querySelector("[data-count]");
    count.textContent = n ?? "";
    count.hidden = !known;
    box.closest("li").classList.toggle("zero", n === 0 && !box.checked);
  }
}

function resultItem(x) {
  const li = document.createElement("li");
  li.className = "card";
  const h = document.createElement("h3");
  h.className = "card-title";
  const a = document.createElement("a");
  a.href = x.url;
  a.textContent = x.title;
  h.append(a);
  const meta = document.createElement("p");
  meta.className = "card-meta";
  const kind = document.createElement("span");
  kind.className = "kind";
  kind.textContent = x.type;
  meta.append(kind, x.place ? ` · ${x.place}` : "");
  li.append(h, meta);
  if (x.snippet) {
    const s = document.createElement("p");
    s.className = "result-snippet";
    s.append(marked(x.snippet));
    li.append(s);
  }
  return li;
}

function describe(total) {
  const chosen = FACETS.flatMap((f) => state.filters[f].map((id) => labels[f]?.[id] || id));
  let text = `${total} result${total === 1 ? "" : "s"}`;
  if (state.q) text += ` for “${state.q}”`;
  if (chosen.length) text += ` filtered by ${chosen.join(", ")}`;
  return `${text} (searched with ${backend.description}).`;
}

async function run(append = false) {
  const mine = ++seq;
  const filtered = FACETS.some((f) => state.filters[f].length);
  if (!append) state.offset = 0;
  status.textContent = "Searching…";
  let out;
  try {
    backend = backend || (await chooseBackend());
    try {
      out = await backend.search(state.q, state.filters, state.offset);
    } catch (e) {
      if (backend !== api) throw e;
      backend = await staticBackend(); // the server went away: carry on with the static index
      out = await backend.search(state.q, state.filters, state.offset);
    }
  } catch (e) {
    if (mine !== seq) return;
    status.textContent = "Search is not available here (no search server and no offline index). Browse by theme or region instead.";
    return;
  }
  if (mine !== seq) return; // a newer search has started
  showCounts(out.counts);
  list.dataset.backend = backend.name;
  if (!append) list.replaceChildren();
  const items = out.results.map(resultItem);
  list.append(...items);
  state.total = out.total;
  more.hidden = state.offset + PAGE >= out.total;
  if (!state.q && !filtered) status.textContent = "Type a query or choose a filter.";
  else status.textContent = describe(out.total);
  if (append && items.length) items[0].querySelector("a").focus();
}

form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  readForm();
  run();
});
for (const box of document.querySelectorAll(".facet input[type=checkbox]")) {
  box.addEventListener("change", () => {
    readForm();
    run();
  });
}
document.getElementById("clear-filters").addEventListener("click", () => {
  for (const box of document.querySelectorAll(".facet input[type=checkbox]")) box.checked = false;
  readForm();
  run();
});
more.addEventListener("click", () => {
  state.offset += PAGE;
  run(true);
});

// On a phone the filters start folded so the results are in view; one tap on "Filters" opens them.
if (window.matchMedia("(max-width: 50rem)").matches) document.getElementById("filters").open = false;
readUrl();
run();
