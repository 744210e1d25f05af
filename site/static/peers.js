// The peer finder (/peers/): a description of a town goes to the hub's POST /api/peers, and the peer cities come back
// with their reasons, what differs and the practices to read — shown as a city's page shows its peers.
// A static copy of the site has no server to ask: the page then says so and points to the list of cities.

const form = document.getElementById("peers-form");
const text = document.getElementById("peers-description");
const country = document.getElementById("peers-country");
const region = document.getElementById("peers-region");
const population = document.getElementById("peers-population");
const submit = document.getElementById("peers-submit");
const status = document.getElementById("peers-status");
const heading = document.getElementById("peers-results-h");
const understood = document.getElementById("peers-understood");
const list = document.getElementById("peers-results");
const terms = JSON.parse(document.getElementById("peer-terms").textContent); // {field: {label: url}}
const FIELD_NAMES = { themes: "themes", challenges: "challenges", stakeholders: "stakeholders", levels: "prevention levels",
  context: "situations" };

// Thrown when no hub server answers (a static host): the message, not an error of the person's input.
class NoServer extends Error {}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== ""));
  return node;
}

function link(href, label) {
  return href ? el("a", { href }, label) : document.createTextNode(label);
}

function chips(field, labels) {
  const known = terms[field] || {};
  return el("ul", { class: "chips" }, ...labels.map((l) => el("li", {}, known[l] ? el("a", { href: known[l] }, l) : el("span", {}, l))));
}

// A grouped card (peers alike only through practices they all took part in): each member linked, with its size.
function groupHeading(members) {
  const h = el("h3", {});
  members.forEach((m, i) => {
    h.append(link(m.url || `/cities/${m.id}/`, m.label || m.id));
    if (m.size) h.append(" ", el("span", { class: "hint" }, `(${m.size})`));
    if (i < members.length - 2) h.append(", ");
    else if (i === members.length - 2) h.append(" and ");
  });
  return h;
}

function peerItem(p) {
  const meta = [p.country, p.region].filter(Boolean).join(", ")
    + (typeof p.score === "number" ? ` · similarity ${p.score.toFixed(2)}` : "") + (p.weak ? " · a weak match" : "");
  const grouped = Boolean(p.group && p.members?.length);
  const heading = grouped ? groupHeading(p.members) : el("h3", {}, link(p.url || `/cities/${p.id}/`, p.label || p.id));
  const li = el("li", { class: grouped ? "peer peer-group" : "peer" }, heading, el("p", { class: "card-meta" }, meta));
  if (grouped) {
    const joint = el("p", { class: "peer-joint" }, "All took part in ");
    p.group.practices.forEach((q, i) => joint.append(link(q.url, q.title), i < p.group.practices.length - 1 ? " and " : ""));
    joint.append(".");
    li.append(joint);
  }
  const reasons = grouped ? (p.reasons || []).slice(1) : p.reasons || [];
  if (reasons.length) li.append(el("ul", { class: "reasons" }, ...reasons.map((r) => el("li", {}, r))));
  if (p.differs?.length) li.append(el("p", { class: "differs" }, el("span", { class: "hint" }, "Differs:"), ` ${p.differs.join("; ")}.`));
  const shared = Object.entries(p.shared || {}).filter(([, v]) => v?.length).sort(([a], [b]) => a.localeCompare(b));
  if (shared.length) {
    li.append(el("dl", { class: "shared" }, ...shared.flatMap(([k, v]) => [el("dt", {}, `Shared ${FIELD_NAMES[k] || k}`), el("dd", {}, chips(k, v))])));
  }
  if (p.practices?.length) {
    const out = el("p", { class: "peer-practices" }, "What they did: ");
    p.practices.forEach((q, i) => out.append(link(q.url, q.title), i < p.practices.length - 1 ? "; " : ""));
    li.append(out);
  }
  return li;
}

function showUnderstood(profile, note) {
  understood.replaceChildren();
  if (note) understood.append(el("p", { class: "note" }, note));
  const found = Object.entries(profile || {}).filter(([k, v]) => FIELD_NAMES[k] && v?.length);
  if (!found.length) return;
  understood.append(el("p", { class: "hint" }, "Understood from your description:"),
    el("dl", { class: "shared" }, ...found.flatMap(([k, v]) => [el("dt", {}, FIELD_NAMES[k][0].toUpperCase() + FIELD_NAMES[k].slice(1)), el("dd", {}, chips(k, v))])));
}

function showNoServer() {
  understood.replaceChildren(el("p", { class: "note" }, "The peer finder needs the hub's server, which does not answer on this copy of the site. ",
    "You can still open a city in the ", el("a", { href: "/cities/" }, "list of cities"), ": each city's page lists its peer cities."));
  list.replaceChildren();
  status.textContent = "The peer finder is not available here: it needs the hub's server.";
}

async function ask(body) {
  let r;
  try {
    r = await fetch("/api/peers", { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body) });
  } catch (e) {
    throw new NoServer(); // nothing answered at all
  }
  const json = (r.headers.get("content-type") || "").includes("application/json") ? await r.json().catch(() => null) : null;
  if (r.ok && json && Array.isArray(json.peers)) return json;
  if (r.status === 422 && json) {
    const detail = Array.isArray(json.detail) ? json.detail.map((d) => d.msg).filter(Boolean).join("; ") : json.detail;
    throw new Error(typeof detail === "string" && detail ? detail : "the description could not be read");
  }
  if (r.status === 429) throw new Error("too many requests in a short time; wait a minute and try again");
  if (r.status >= 500 && json) throw new Error("the hub's server could not answer just now; try again in a moment");
  throw new NoServer(); // a 404, 405 or 501 from a plain static host, or a page instead of JSON
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const description = text.value.trim();
  if (!description) {
    status.textContent = "Describe your town first: a few sentences about its situation and what it faces.";
    text.setAttribute("aria-invalid", "true");
    text.focus();
    return;
  }
  text.removeAttribute("aria-invalid");
  const people = population.value.replace(/[\s,.'’_]/g, ""); // "45,000", "45 000" and "45.000" all mean 45000
  if (people && !/^\d+$/.test(people)) {
    status.textContent = "The population must be a whole number of people, for example 45000.";
    population.setAttribute("aria-invalid", "true");
    population.focus();
    return;
  }
  population.removeAttribute("aria-invalid");
  const body = { description };
  if (country.value) body.country = country.value;
  if (region.value) body.region = region.value;
  if (people) body.population = Number(people); // the server checks the range and says what is wrong
  submit.disabled = true;
  list.setAttribute("aria-busy", "true");
  status.textContent = "Looking for cities like yours…";
  try {
    const answer = await ask(body);
    showUnderstood(answer.profile, answer.note);
    list.replaceChildren(...answer.peers.map(peerItem));
    const n = answer.peers.length;
    status.textContent = n ? `${n} cit${n === 1 ? "y" : "ies"} like yours, most alike first.` : "No city in the hub is close enough to suggest.";
    heading.focus();
  } catch (e) {
    if (e instanceof NoServer) showNoServer();
    else {
      understood.replaceChildren();
      list.replaceChildren();
      status.textContent = `No answer: ${e.message}.`;
    }
  } finally {
    submit.disabled = false;
    list.removeAttribute("aria-busy");
  }
});

// Say at once when no server is behind this copy of the site, before anyone spends time writing.
fetch("/healthz", { headers: { Accept: "application/json" } })
  .then((r) => { if (!r.ok) showNoServer(); })
  .catch(() => showNoServer());
