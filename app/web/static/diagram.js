// Draw the process diagram with bpmn-js (NavigatedViewer) and mark where the instance is and has been.
// Input: #diagram[data-src] (the BPMN XML) and #diagram-data {current, done, failed, tokens, visits}.
(function () {
  "use strict";
  var container = document.getElementById("diagram");
  var dataNode = document.getElementById("diagram-data");
  if (!container || !dataNode || !window.BpmnJS) { return; }
  var data = JSON.parse(dataNode.textContent);
  var PADDING = 24; // screen pixels around the drawing, so no element touches the frame

  function has(registry, id) { return !!registry.get(id); }

  // One marker per element, the most telling one: failed over current over done. A step visited
  // before (a loop, a sequential multi-instance) is done and current at once; it shows as current.
  function markers() {
    var marks = {};
    (data.done || []).forEach(function (id) { marks[id] = "baton-done"; });
    (data.current || []).forEach(function (id) { marks[id] = "baton-current"; });
    (data.failed || []).forEach(function (id) { marks[id] = "baton-failed"; });
    return marks;
  }

  function badge(className, title, text) {
    var node = document.createElement("span");
    node.className = className;
    node.title = title;
    node.textContent = text;
    return node;
  }

  function mark(viewer) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    var overlays = viewer.get("overlays");
    var marks = markers();
    Object.keys(marks).forEach(function (id) { if (has(registry, id)) { canvas.addMarker(id, marks[id]); } });
    (data.tokens || []).forEach(function (id) {
      if (!has(registry, id)) { return; }
      overlays.add(id, "token", { position: { top: -10, left: -10 }, html: badge("baton-token", "Active here", "●") });
    });
    Object.keys(data.visits || {}).forEach(function (id) {
      if (!has(registry, id)) { return; }
      var visits = badge("baton-visits", "Visited " + data.visits[id] + " time(s)", data.visits[id]);
      overlays.add(id, "visits", { position: { bottom: 8, right: 8 }, html: visits });
    });
  }

  // fit-viewport fits the drawing edge to edge; widen the view box so PADDING pixels stay free.
  function fit(canvas) {
    canvas.zoom("fit-viewport", "auto");
    var box = canvas.viewbox();
    var outer = box.outer;
    var inner = box.inner;
    var scale = Math.min(
      (outer.width - 2 * PADDING) / Math.max(inner.width, 1),
      (outer.height - 2 * PADDING) / Math.max(inner.height, 1),
      1
    );
    var width = outer.width / scale;
    var height = outer.height / scale;
    canvas.viewbox({
      x: inner.x + inner.width / 2 - width / 2,
      y: inner.y + inner.height / 2 - height / 2,
      width: width,
      height: height
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
      fit(viewer.get("canvas"));
      mark(viewer);
      container.dataset.ready = "true";
    })
    .catch(function (err) {
      container.dataset.ready = "error";
      container.textContent = "The diagram could not be drawn: " + err.message;
    });
})();
