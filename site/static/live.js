// Live preview for curators. Under `hub serve --watch` this reloads the page when a rebuild
// lands and shows the errors of a failed rebuild in a banner (the last good build keeps serving).
// Anywhere else (plain `hub serve`, a static host) the first request says so and it stops.
(function () {
  "use strict";
  if (!window.fetch || location.protocol === "file:") return;
  var serving = null;

  function showBanner(status) {
    var old = document.getElementById("build-banner");
    if (old) old.remove();
    if (status.ok) return;
    var box = document.createElement("div");
    box.id = "build-banner";
    box.className = "build-banner";
    box.setAttribute("role", "alert");
    var head = document.createElement("p");
    head.textContent = "The files as they are now do not build, so this page shows the last good build. " +
      (status.message || "");
    box.appendChild(head);
    var list = document.createElement("ul");
    (status.problems || []).filter(function (p) { return p.severity === "error"; }).slice(0, 20).forEach(function (p) {
      var item = document.createElement("li");
      item.textContent = p.path + ":" + p.line + ": " + p.message;
      list.appendChild(item);
    });
    box.appendChild(list);
    document.body.insertBefore(box, document.body.firstChild);
  }

  function poll() {
    fetch("/api/build", { cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (status) {
        if (!status || !status.watching) return;
        if (serving !== null && status.serving !== serving) { location.reload(); return; }
        serving = status.serving;
        showBanner(status);
        setTimeout(poll, 700);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
