// Starts Swagger UI on the API's /docs page (hub/api/docs.py). A file rather than an inline script, so the page
// runs under the same Content-Security-Policy as every other page of the hub. The settings come from the page
// (data-config on #swagger-ui: the OpenAPI address and FastAPI's Swagger UI parameters).
(function () {
  "use strict";
  var node = document.getElementById("swagger-ui");
  var config = JSON.parse(node.getAttribute("data-config"));
  config.domNode = node;
  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  window.ui = SwaggerUIBundle(config);
})();
