// Draw the process diagram with bpmn-js (NavigatedViewer) and mark where the instance is and has been.
// Input: #diagram[data-src] (the BPMN XML) and #diagram-data {current, done, tokens, visits}.
(function () {
  "use strict";
  var container = document.getElementById("diagram");
  var dataNode = document.getElementById("diagram-data");
  if (!container || !dataNode || !window.BpmnJS) { return; }
  var data = JSON.parse(dataNode.textContent);

  function has(registry, id) { return !!registry.get(id); }

  function mark(viewer) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    var overlays = viewer.get("overlays");
    (data.done || []).forEach(function (id) { if (has(registry, id)) { canvas.addMarker(id, "baton-done"); } });
    (data.current || []).forEach(function (id) { if (has(registry, id)) { canvas.addMarker(id, "baton-current"); } });
    (data.tokens || []).forEach(function (id) {
      if (!has(registry, id)) { return; }
      var token = document.createElement("span");
      token.className = "baton-token";
      token.title = "Active here";
      token.textContent = "●";
      overlays.add(id, "token", { position: { top: -10, left: -10 }, html: token });
    });
    Object.keys(data.visits || {}).forEach(function (id) {
      if (!has(registry, id)) { return; }
      var badge = document.createElement("span");
      badge.className = "baton-visits";
      badge.title = "Visited " + data.visits[id] + " time(s)";
      badge.textContent = data.visits[id];
      overlays.add(id, "visits", { position: { bottom: 8, right: 8 }, html: badge });
    });
  }

  var viewer = new window.BpmnJS({ container: container });
  fetch(container.dataset.src, { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) { throw new Error("diagram: HTTP " + response.status); }
      return response.text();
    })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      viewer.get("canvas").zoom("fit-viewport", "auto");
      mark(viewer);
      container.dataset.ready = "true";
    })
    .catch(function (err) {
      container.dataset.ready = "error";
      container.textContent = "The diagram could not be drawn: " + err.message;
    });
})();
