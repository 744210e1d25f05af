// The search page: the hub's /api/search (hybrid) when a server answers, the static index (static-search.js) when not.
// No framework. The URL (?q=…&theme=…) is the state, so a search can be bookmarked and shared.

const form = document.getElementById("search-form");
const FACETS = form.dataset.facets.split(" "); // the hub's facet registry, in the order the page shows them
const PAGE = 20;
const labels = JSON.parse(document.getElementById("facet-labels").textContent); // {facet: {id: label}}
const input = document.getElementById("q");
const status = document.getElementById("status");
const list = document.getElementById("results");
const more = document.getElementById("more");
const state = { q: "", filters: {}, offset: 0, total: 0 };
// ?lang=fr (en, fr, es, pt, ar, ru): the filters' labels as the API gives them in that language; the page stays English
const LANG = ["en", "fr", "es", "pt", "ar", "ru"].find((l) => l === new URLSearchParams(location.search).get("lang")) || "";
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
    if (LANG) p.set("lang", LANG);
    if (new URLSearchParams(location.search).get("correct") === "0") p.set("correct", "false"); // "search instead for"
    for (const f of FACETS) for (const v of filters[f] || []) p.append(f, v);
    const r = await fetch(`/api/search?${p}`, { headers: { Accept: "application/json" } });
    if (!r.ok) throw new Error(`the search API answered ${r.status}`);
    const j = await r.json();
    relabel(j.facets);
    const counts = {};
    for (const f of FACETS) if (j.facets?.[f]) counts[f] = Object.fromEntries(j.facets[f].map((v) => [v.id, v.count]));
    return {
      total: j.total,
      counts,
      reading: { notice: j.notice, didYouMean: j.did_you_mean, corrected: j.corrected, match: j.match },
      results: j.results.map((x) => ({
        url: x.url, title: x.title, type: labels.type?.[x.type] || x.type,
        place: x.place || [x.city, x.country].filter(Boolean).join(", "), snippet: x.snippet || "",
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

// The filters' labels in the page's language, from the facets of an API answer (only when the URL asks for one).
function relabel(facets) {
  if (!LANG || !facets) return;
  for (const f of FACETS) {
    for (const v of facets[f] || []) {
      const box = document.getElementById(`f-${f}-${v.id}`);
      const label = box?.labels[0];
      if (!label || !v.label) continue;
      labels[f] = labels[f] || {};
      labels[f][v.id] = v.label;
      label.firstChild.textContent = `${v.label} `;
      label.lang = LANG;
      label.dir = "auto"; // Arabic labels read right to left
    }
  }
}

async function chooseBackend() {
  try {
    const r = await fetch(`/api/search?limit=1${LANG ? `&lang=${encodeURIComponent(LANG)}` : ""}`, { headers: { Accept: "application/json" } });
    const j = r.ok ? await r.json() : null;
    if (j && Array.isArray(j.results)) {
      relabel(j.facets); // every value some record uses: the labels before any search is made
      return api;
    }
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
  if (LANG) p.set("lang", LANG); // the language stays with the page
  for (const f of FACETS) for (const v of state.filters[f]) p.append(f, v);
  history.replaceState(null, "", p.toString() ? `?${p}` : location.pathname);
}

function showCounts(counts, total) {
  const done = document.getElementById("filters-done");
  done.textContent = total === undefined ? "Show results" : `Show ${total} result${total === 1 ? "" : "s"}`;
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
  showCounts(out.counts, out.total);
  list.dataset.backend = backend.name;
  if (!append) list.replaceChildren();
  const items = out.results.map(resultItem);
  list.append(...items);
  state.total = out.total;
  more.hidden = state.offset + PAGE >= out.total;
  if (!state.q && !filtered) status.textContent = "Type a query or choose a filter.";
  else status.textContent = describe(out.total);
  showReading(out.reading, out.total, filtered);
  if (append && items.length) items[0].querySelector("a").focus();
}

// How the query was read, under the status line: a correction ("Showing results for X; search instead for Y"),
// "did you mean", the any-word fallback, and, when nothing is found, ways on (a suggestion, clearing the filters,
// browsing). Built from text nodes and links only.
function searchLink(q, exact) {
  const a = document.createElement("a");
  const p = new URLSearchParams({ q });
  if (exact) p.set("correct", "0");
  a.href = `/search/?${p}`;
  a.textContent = q;
  return a;
}

function showReading(reading, total, filtered) {
  let box = document.getElementById("search-reading");
  if (!box) {
    box = document.createElement("div");
    box.id = "search-reading";
    box.className = "search-reading";
    status.after(box);
  }
  box.replaceChildren();
  const r = reading || {};
  const line = (...parts) => {
    const p = document.createElement("p");
    p.append(...parts);
    box.append(p);
    return p;
  };
  if (r.corrected && r.didYouMean) {
    const strong = document.createElement("strong");
    strong.textContent = r.didYouMean;
    line("Showing results for ", strong, ". Search instead for ", searchLink(state.q, true), ".");
  } else if (r.didYouMean) {
    line("Did you mean ", searchLink(r.didYouMean, false), "?");
  }
  if (r.languageNotice) line(r.languageNotice); // the static copy, given a query in another language
  if (r.match === "most" || r.match === "any") {
    line("No record contains all of your words: records with some of them are included.");
  }
  if (total > 0 || (!state.q && !filtered)) return;
  const ways = line("Nothing found. ");
  if (filtered) {
    const clear = document.createElement("button");
    clear.type = "button";
    clear.className = "secondary";
    clear.textContent = "Search without filters";
    clear.addEventListener("click", () => document.getElementById("clear-filters").click());
    ways.append(clear, " ");
  }
  ways.append("Browse by ");
  const browse = [["/themes/", "theme"], ["/regions/", "region"], ["/practices/", "all practices"]];
  browse.forEach(([href, text], i) => {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    ways.append(i ? (i === browse.length - 1 ? " or see " : ", ") : "", a);
  });
  ways.append(".");
}

form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  readForm();
  run();
});
for (const box of document.querySelectorAll(".facet input[type=checkbox]")) {
  box.addEventListener("change", () => {
    readForm();
    showTicked();
    run();
  });
}
document.getElementById("clear-filters").addEventListener("click", () => {
  for (const box of document.querySelectorAll(".facet input[type=checkbox]")) box.checked = false;
  readForm();
  showTicked();
  run();
});
more.addEventListener("click", () => {
  state.offset += PAGE;
  run(true);
});

// ---- the filters: a column on wide screens, a dialog over the results on a phone ----------------------------
// On a phone the results come first; "Filters (2)" opens the filters as a modal dialog (everything behind it is
// inert), and "Show N results", "Close" or Escape shut it and return to the results.
const narrow = window.matchMedia("(max-width: 50rem)");
const drawer = document.getElementById("filters");
const opener = document.getElementById("filters-open");
let inerted = [];

function showTicked() {
  const n = document.querySelectorAll(".facet input[type=checkbox]:checked").length;
  opener.textContent = n ? `Filters (${n})` : "Filters";
}

function openFilters() {
  drawer.classList.add("open");
  drawer.setAttribute("role", "dialog");
  drawer.setAttribute("aria-modal", "true");
  drawer.setAttribute("aria-labelledby", "filters-h");
  opener.setAttribute("aria-expanded", "true");
  document.documentElement.classList.add("drawer-open");
  for (let el = drawer; el.parentElement && el !== document.body; el = el.parentElement) {
    for (const sib of el.parentElement.children) {
      if (sib !== el && !sib.inert && !["SCRIPT", "STYLE"].includes(sib.tagName)) {
        sib.inert = true;
        inerted.push(sib);
      }
    }
  }
  document.getElementById("filters-close").focus();
}

function closeFilters(returnFocus = true) {
  if (!drawer.classList.contains("open")) return;
  drawer.classList.remove("open");
  drawer.removeAttribute("role");
  drawer.removeAttribute("aria-modal");
  drawer.removeAttribute("aria-labelledby");
  opener.setAttribute("aria-expanded", "false");
  document.documentElement.classList.remove("drawer-open");
  for (const el of inerted) el.inert = false;
  inerted = [];
  if (returnFocus) opener.focus();
}

opener.addEventListener("click", () => (drawer.classList.contains("open") ? closeFilters() : openFilters()));
document.getElementById("filters-close").addEventListener("click", () => closeFilters());
document.getElementById("filters-done").addEventListener("click", () => closeFilters());
document.addEventListener("keydown", (ev) => { // wherever focus is: the page behind the dialog is inert
  if (ev.key === "Escape" && drawer.classList.contains("open")) {
    ev.preventDefault();
    closeFilters();
  }
});
narrow.addEventListener("change", () => closeFilters(false)); // turned or resized to a wide screen: a column again

// A long facet shows its first values (and every ticked one); "Show all (N)" unfolds it in place.
for (const button of document.querySelectorAll(".facet .show-all")) {
  const values = document.getElementById(button.getAttribute("aria-controls"));
  const label = button.textContent;
  values.classList.add("folded");
  button.addEventListener("click", () => {
    const open = values.classList.toggle("folded") === false;
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? "Show fewer" : label;
  });
}

readUrl();
showTicked();
run();
