// The SPARQL query page (/sparql). The page works without this script (the server draws results, chart and map);
// this adds: empty optional fields are left out of the query string, Ctrl+Enter runs the query, and the results
// table sorts by a column from its header buttons (aria-sort says which way), announced to screen readers.
(function () {
  "use strict";
  var form = document.getElementById("sparql-form");
  if (form) {
    form.addEventListener("submit", function () {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name && el.name !== "query" && (el.value === "" || (el.name === "format" && el.value === "html"))) el.disabled = true;
      });
    });
    // coming back with the browser's Back button: the fields must be usable again
    window.addEventListener("pageshow", function () {
      Array.prototype.forEach.call(form.elements, function (el) { el.disabled = false; });
    });
    var text = document.getElementById("query");
    if (text) {
      text.addEventListener("keydown", function (e) {
        if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          if (form.requestSubmit) form.requestSubmit(); else form.submit();
        }
      });
    }
  }

  var status = document.getElementById("sort-status");
  function key(cell) {
    return cell ? cell.getAttribute("data-sort") || "" : "";
  }
  function sortBy(table, button) {
    var th = button.parentNode;
    var column = Number(button.getAttribute("data-column"));
    var direction = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var numeric = rows.every(function (r) {
      var c = r.cells[column];
      return !c || !key(c) || c.getAttribute("data-num") === "1";
    });
    var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
    rows.sort(function (a, b) {
      var x = key(a.cells[column]), y = key(b.cells[column]);
      if (x === "" || y === "") return x === y ? 0 : (x === "" ? 1 : -1);  // empty cells last either way
      var d = numeric ? Number(x) - Number(y) : collator.compare(x, y);
      return direction === "ascending" ? d : -d;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) {
      if (h.hasAttribute("aria-sort")) h.setAttribute("aria-sort", "none");
    });
    th.setAttribute("aria-sort", direction);
    if (status) status.textContent = "Sorted by " + button.textContent + ", " + direction + ".";
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sparql-table"), function (table) {
    table.addEventListener("click", function (e) {
      var button = e.target.closest ? e.target.closest("button.sort") : null;
      if (button) sortBy(table, button);
    });
  });

  var results = document.getElementById("results");
  if (results && location.hash === "#results") results.focus({ preventScroll: true });
})();
