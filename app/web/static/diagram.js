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

  // Below this scale labels cannot be read (a wide process fitted to a phone): the diagram is then
  // drawn readable, centred on where the case is, to be dragged around; above it, the box loses the
  // empty band a short drawing would leave above and below.
  var READABLE = 0.6;
  var MIN_HEIGHT = 160;
  var PANNED_HEIGHT = 240; // a band around the current step: the rest is a drag away

  function focusOf(registry) {
    var ids = [].concat(data.failed || [], data.current || [], data.tokens || []);
    for (var i = 0; i < ids.length; i++) {
      var element = registry.get(ids[i]);
      if (element && element.width !== undefined) { return element; }
    }
    return null;
  }

  function frame(canvas, registry) {
    fit(canvas);
    var inner = canvas.viewbox().inner;
    var scale = canvas.zoom();
    if (scale >= READABLE) {
      var needed = Math.max(inner.height * scale + 2 * PADDING, MIN_HEIGHT);
      if (needed < container.clientHeight) {
        container.style.height = needed + "px";
        canvas.resized();
        fit(canvas);
      }
      return;
    }
    var band = Math.min(inner.height * READABLE + 2 * PADDING, PANNED_HEIGHT, container.clientHeight);
    container.style.height = Math.max(band, MIN_HEIGHT) + "px";
    canvas.resized();
    var outer = canvas.viewbox().outer;
    var width = outer.width / READABLE;
    var height = outer.height / READABLE;
    var focus = focusOf(registry);
    var x = focus ? focus.x + focus.width / 2 - width / 2 : inner.x - PADDING;
    var y = focus ? focus.y + focus.height / 2 - height / 2 : inner.y + inner.height / 2 - height / 2;
    // (kept over the drawing: no empty band beside or above it)
    x = Math.max(inner.x - PADDING, Math.min(x, inner.x + inner.width + PADDING - width));
    y = Math.max(inner.y - PADDING, Math.min(y, inner.y + inner.height + PADDING - height));
    canvas.viewbox({ x: x, y: y, width: width, height: height });
    container.classList.add("diagram-dragged");
    var legend = container.parentNode.querySelector(".legend");
    if (legend) { legend.insertAdjacentText("beforeend", " · drag the diagram to see the rest"); }
  }

  var viewer = new window.BpmnJS({ container: container });
  fetch(container.dataset.src, { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) { throw new Error("diagram: HTTP " + response.status); }
      return response.text();
    })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      frame(viewer.get("canvas"), viewer.get("elementRegistry"));
      mark(viewer);
      container.dataset.ready = "true";
    })
    .catch(function (err) {
      container.dataset.ready = "error";
      container.textContent = "The diagram could not be drawn: " + err.message;
    });
})();
