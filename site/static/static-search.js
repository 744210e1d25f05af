// The search of a static copy of the site (no /api/search): MiniSearch over the records the build wrote
// (search-index-<hash>.json), ranked by BM25 over any of the words with the server's field weights, tolerant
// of typos (fuzzy) and of a word still being typed (prefix), accents folded and words stemmed as the server
// does. Filters and their counts follow the server: values of one filter are OR-ed, filters AND-ed, and each
// filter's counts take the query and the *other* filters into account.
// Same interface as the API backend in search.js: { name, description, search(q, filters, offset) }.

const SNIPPET_WORDS = 28;
const WORD = /[\p{L}\p{N}_]+(?:\.[\p{L}\p{N}_]+)*/gu;

// The language of a query, told as the server tells it (hub/search/language.py; tests/test_language.py checks the
// two agree): the script (Arabic, Cyrillic), then, for Latin text, function words and letters other languages
// have and English lacks. Words also found in place names, or in English, count half; capitalised words after the
// first (and every word of a title-case query) are names and say nothing. "en" when nothing points elsewhere.
const HALF = new Set("de la el des le les da do dos das del san santa a o e".split(" "));
const WORDS = {
  en: new Set(("a the of and to in for with how what which who whom on is are was were from by our their that this "
    + "these those do does can could should would at into about an as be been being it its we they them my your").split(" ")),
  fr: new Set(("le la les des du un une et pour dans avec comment que qui quel quelle quels quelles sur au aux est "
    + "sont nos notre votre leur leurs ces cette ce par pas ou où entre chez contre sans très faire aider jeunes "
    + "jeunesse femmes ville villes quartier quartiers école écoles écoute prévenir prévention lutte lutter haine "
    + "communauté communautés contre enfants parents familles élus mairie").split(" ")),
  es: new Set(("el la los las del un una y para en con cómo como qué que cuál sobre al es son nuestro nuestra "
    + "nuestros sus por más entre contra sin muy hacer ayudar jóvenes juventud mujeres ciudad ciudades barrio "
    + "barrios escuela escuelas prevenir prevención odio comunidad comunidades niños padres familias alcaldía").split(" ")),
  pt: new Set(("o a os as do da dos das um uma e para em no na nos nas com como que qual sobre ao é são nosso nossa "
    + "nossos seus por mais entre contra sem muito fazer ajudar jovens juventude mulheres cidade cidades bairro "
    + "bairros escola escolas prevenir prevenção ódio comunidade comunidades crianças pais famílias prefeitura")
    .split(" ")),
};
const MARKS = {
  fr: /[èêëîïûùœ]|eaux?\b|[a-z]'[aeiouyh]/g,
  es: /[ñ¿¡]|ción\b|ciones\b/g,
  pt: /[ãõ]|ção\b|ções\b|ões\b/g,
};
const SHARED_ACCENTS = /[áàâçéíóôú]/;

export function queryLanguage(text) {
  const letters = [...text].filter((c) => /\p{L}/u.test(c));
  if (!letters.length) return "en";
  const count = (re) => letters.filter((c) => re.test(c)).length;
  const arabic = count(/[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]/);
  const cyrillic = count(/[\u0400-\u052f]/);
  const latin = count(/[a-zA-Z\u00c0-\u024f]/);
  if (arabic > latin && arabic >= cyrillic) return "ar";
  if (cyrillic > latin) return "ru";
  const tokens = (text.normalize("NFC").match(/[\p{L}\p{N}_'’]+/gu) || []).map((w) => w.replace(/^['’]+|['’]+$/g, ""));
  const content = tokens.filter((t) => !HALF.has(t.toLowerCase()));
  const upper = (t) => t.slice(0, 1) !== t.slice(0, 1).toLowerCase();
  const titleCase = content.length > 0 && content.every(upper);
  const words = tokens.filter((t, i) => !(upper(t) && (i > 0 || titleCase))).map((t) => t.toLowerCase());
  const votes = { en: 0, fr: 0, es: 0, pt: 0 };
  for (const w of words) {
    for (const [lang, vocabulary] of Object.entries(WORDS)) {
      if (vocabulary.has(w)) votes[lang] += lang !== "en" && (HALF.has(w) || WORDS.en.has(w)) ? 0.5 : 1;
    }
  }
  const kept = words.join(" ");
  for (const [lang, re] of Object.entries(MARKS)) votes[lang] += (kept.match(re) || []).length;
  const best = ["fr", "es", "pt"].reduce((a, b) => (votes[b] > votes[a] ? b : a));
  if (votes[best] >= 1 && votes[best] > votes.en) return best;
  if (votes.en === 0 && SHARED_ACCENTS.test(kept)) return votes[best] > 0 ? best : kept.includes("é") ? "fr" : "es";
  return "en";
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
    return { ms, byId, browse, term };
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
      const { ms, byId, browse, term } = await ready;
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
