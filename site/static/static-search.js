// The search of a static copy of the site (no /api/search): MiniSearch over the records the build wrote
// (search-index-<hash>.json), ranked by BM25 over any of the words with the server's field weights, tolerant
// of typos (fuzzy) and of a word still being typed (prefix), accents folded and words stemmed as the server
// does. Filters and their counts follow the server: values of one filter are OR-ed, filters AND-ed, and each
// filter's counts take the query and the *other* filters into account.
// Same interface as the API backend in search.js: { name, description, search(q, filters, offset) }.

const SNIPPET_WORDS = 28;
const WORD = /[\p{L}\p{N}_]+(?:\.[\p{L}\p{N}_]+)*/gu;

// The language of a query, told as the server tells it, by the rules the build writes into the index file
// (hub/search/languages.py's detection_rules; tests/test_language.py checks the two agree): the script (Arabic,
// Cyrillic), then, for Latin text, function words and letters other languages have and English lacks. Words also
// found in place names, or in English, count half; capitalised words after the first (and every word of a
// title-case query) are names and say nothing. "en" when nothing points elsewhere.
export function languageTest(rules) {
  const half = new Set(rules.half);
  const words = Object.fromEntries(Object.entries(rules.words).map(([lang, list]) => [lang, new Set(list)]));
  const marks = Object.entries(rules.marks).map(([lang, source]) => [lang, new RegExp(source, "g")]);
  const script = Object.fromEntries(Object.entries(rules.scripts).map(([k, source]) => [k, new RegExp(source)]));
  const sharedAccents = new RegExp(rules.shared_accents);
  return function queryLanguage(text) {
    const letters = [...text].filter((c) => /\p{L}/u.test(c));
    if (!letters.length) return "en";
    const count = (re) => letters.filter((c) => re.test(c)).length;
    const arabic = count(script.ar);
    const cyrillic = count(script.ru);
    const latin = count(script.latin);
    if (arabic > latin && arabic >= cyrillic) return "ar";
    if (cyrillic > latin) return "ru";
    const tokens = (text.normalize("NFC").match(/[\p{L}\p{N}_'’]+/gu) || []).map((w) => w.replace(/^['’]+|['’]+$/g, ""));
    const content = tokens.filter((t) => !half.has(t.toLowerCase()));
    const upper = (t) => t.slice(0, 1) !== t.slice(0, 1).toLowerCase();
    const titleCase = content.length > 0 && content.every(upper);
    const kept = tokens.filter((t, i) => !(upper(t) && (i > 0 || titleCase))).map((t) => t.toLowerCase());
    const votes = Object.fromEntries(Object.keys(words).map((lang) => [lang, 0]));
    for (const w of kept) {
      for (const [lang, vocabulary] of Object.entries(words)) {
        if (vocabulary.has(w)) votes[lang] += lang !== "en" && (half.has(w) || words.en.has(w)) ? 0.5 : 1;
      }
    }
    const joined = kept.join(" ");
    for (const [lang, re] of marks) votes[lang] += (joined.match(re) || []).length;
    const best = ["fr", "es", "pt"].reduce((a, b) => (votes[b] > votes[a] ? b : a));
    if (votes[best] >= 1 && votes[best] > votes.en) return best;
    if (votes.en === 0 && sharedAccents.test(joined)) return votes[best] > 0 ? best : joined.includes("é") ? "fr" : "es";
    return "en";
  };
}

// What the static copy says under the status line when the query is in another language: it cannot answer by
// meaning, and the records are in English.
export const OTHER_LANGUAGE_NOTICE = "This copy of the site searches the English words of the records only: "
  + "searching in other languages needs the hub's search server.";

function escape(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

// config: {minisearch, stemmer, index} URLs (from the search page); facets: the filter names;
// labels: {facet: {id: label}}; page: results per page
export async function createBackend({ config, facets, labels, page }) {
  let ready = null;

  async function load() {
    const [{ default: MiniSearch }, { stemmer }, data] = await Promise.all([
      import(config.minisearch),
      import(config.stemmer),
      fetch(config.index).then((r) => {
        if (!r.ok) throw new Error(`the search records answered ${r.status}`);
        return r.json();
      }),
    ]);
    const stop = new Set(data.stopwords);
    const letters = new RegExp(`[${Object.keys(data.letters).join("")}]`, "g");
    const fold = (w) => w.toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "")
      .replace(letters, (c) => data.letters[c]);
    const term = (w) => {
      const f = fold(w);
      if (f.length < 2 || stop.has(f)) return null;
      const s = stemmer(f); // the server's analyser: fold, stop words, Porter stem, stop words again (a stem can be one)
      return s.length < 2 || stop.has(s) ? null : s;
    };
    const ms = new MiniSearch({
      fields: data.fields,
      idField: "id",
      tokenize: (text) => text.match(WORD) || [],
      processTerm: term,
      searchOptions: {
        boost: data.boosts,
        combineWith: "OR",
        fuzzy: (t) => (t.length > 4 ? 0.2 : false),
        prefix: (t, i, all) => i === all.length - 1 && t.length > 2,
      },
    });
    ms.addAll(data.docs);
    const byId = new Map(data.docs.map((d) => [d.id, d]));
    const kind = Object.fromEntries(data.order.map((k, i) => [k, i]));
    const browse = [...data.docs].sort((a, b) => (kind[a.type] ?? 9) - (kind[b.type] ?? 9)
      || a.title.toLowerCase().localeCompare(b.title.toLowerCase())); // no query: practices first, by title
    return { ms, byId, browse, term, queryLanguage: languageTest(data.language) };
  }

  const passes = (doc, filters, except) =>
    facets.every((f) => f === except || !filters[f]?.length || filters[f].some((v) => doc.facets[f]?.includes(v)));

  function countsOf(docs, filters) {
    const counts = {};
    for (const f of facets) {
      counts[f] = {};
      for (const d of docs) {
        if (!passes(d, filters, f)) continue;
        for (const v of new Set(d.facets[f] || [])) counts[f][v] = (counts[f][v] || 0) + 1;
      }
    }
    return counts;
  }

  function snippet(doc, terms, term) {
    const text = [doc.summary, doc.body].filter(Boolean).join(" ").replace(/\s+/g, " ");
    const words = [...text.matchAll(WORD)];
    if (!words.length) return "";
    const hit = (m) => terms.has(term(m[0]));
    const first = Math.max(0, words.findIndex(hit));
    const from = Math.max(0, first - 4);
    const to = Math.min(words.length, from + SNIPPET_WORDS);
    let out = from ? "… " : "";
    let at = words[from].index;
    for (const m of words.slice(from, to)) {
      out += escape(text.slice(at, m.index)) + (hit(m) ? `<mark>${escape(m[0])}</mark>` : escape(m[0]));
      at = m.index + m[0].length;
    }
    return out + (to < words.length ? " …" : escape(text.slice(at)));
  }

  return {
    name: "static",
    description: "the site's offline index",
    async search(q, filters, offset) {
      ready = ready || load();
      const { ms, byId, browse, term, queryLanguage } = await ready;
      const filtered = facets.some((f) => filters[f]?.length);
      if (!q && !filtered) return { total: 0, results: [], counts: countsOf(browse, filters) };
      const hits = q ? ms.search(q).map((r) => ({ doc: byId.get(r.id), terms: new Set(r.terms) }))
        : browse.map((doc) => ({ doc }));
      const kept = hits.filter((h) => passes(h.doc, filters));
      return {
        total: kept.length,
        reading: q && queryLanguage(q) !== "en" ? { languageNotice: OTHER_LANGUAGE_NOTICE } : {},
        counts: countsOf(hits.map((h) => h.doc), filters),
        results: kept.slice(offset, offset + page).map(({ doc, terms }) => ({
          url: doc.url, title: doc.title, type: labels.type?.[doc.type] || doc.type, place: doc.where,
          snippet: terms ? snippet(doc, terms, term) : escape(doc.summary || ""),
        })),
      };
    },
  };
}
