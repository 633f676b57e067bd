// Render a Camunda Form (form-js) inside the task's HTML form; on submit, put its data in form_data.
(function () {
  "use strict";
  var host = document.getElementById("form-js");
  var htmlForm = document.getElementById("task-form");
  if (!host || !htmlForm || !window.FormViewer) { return; }
  var schema = JSON.parse(document.getElementById("form-schema").textContent);
  var data = JSON.parse(document.getElementById("form-data").textContent);
  if (window.batonDraft && window.batonDraft.formData) {
    // (back from signing in after the session ended: what the person had typed, over the defaults)
    try { data = Object.assign({}, data, JSON.parse(window.batonDraft.formData)); } catch (e) { /* keep data */ }
  }
  var sent = document.getElementById("form-errors");
  var serverErrors = sent ? JSON.parse(sent.textContent) : [];
  var viewer = new window.FormViewer.Form({ container: host });
  var ready = viewer.importSchema(schema, data);

  htmlForm.addEventListener("submit", function (event) {
    var result = viewer.submit();
    if (result.errors && Object.keys(result.errors).length) {
      event.preventDefault(); // form-js shows its own messages next to the fields
      return;
    }
    document.getElementById("form-data-input").value = JSON.stringify(result.data);
  });

  function fieldFor(error) {
    var fields = viewer.get("formFieldRegistry").getAll();
    var key = error.key.split(".").pop();
    return fields.find(function (f) { return error.id && f.id === error.id; }) ||
      fields.find(function (f) { return f.key === key; });
  }

  // The server's messages, each shown once: under its field as form-js shows its own (form-js keys
  // its errors by field id), off the list under the form, and the summary's link pointed at the
  // input form-js drew (its ids are "fjs-form-<form id>-<field id>"). form-js checks prefilled
  // fields again after drawing them and on leaving them: until the person changes a field, its
  // message stays the server's.
  var pending = {}; // field id -> the server's message

  function keepServerErrors() {
    var errors = viewer._getState().errors || {};
    var next = Object.assign({}, errors);
    var changed = false;
    Object.keys(pending).forEach(function (id) {
      if (!errors[id] || errors[id].length !== 1 || errors[id][0] !== pending[id]) {
        next[id] = [pending[id]];
        changed = true;
      }
    });
    if (changed) { viewer._setState({ errors: next }); }
  }

  function takeServerErrors() {
    serverErrors.forEach(function (error) {
      var field = fieldFor(error);
      if (!field) { return; }
      pending[field.id] = error.message;
      var selector = '[data-field="' + CSS.escape(error.key) + '"]';
      var listed = document.querySelector("#form-error-list " + selector);
      if (listed) { listed.remove(); }
      var link = document.querySelector("#error-summary a" + selector);
      if (link) { link.setAttribute("href", "#fjs-form-" + viewer._id + "-" + field.id); }
    });
    var list = document.getElementById("form-error-list");
    if (list && !list.children.length) { list.remove(); }
    // (a person's typing, not form-js's own updates: a number field reports its value once drawn)
    ["input", "change"].forEach(function (kind) {
      host.addEventListener(kind, function (event) {
        var prefix = "fjs-form-" + viewer._id + "-";
        var id = event.isTrusted && event.target.id && event.target.id.indexOf(prefix) === 0 ? event.target.id.slice(prefix.length) : "";
        Object.keys(pending).forEach(function (fieldId) {
          if (id === fieldId || id.indexOf(fieldId + "-") === 0 || id.indexOf(fieldId + "_") === 0) { delete pending[fieldId]; }
        });
      }, true);
    });
    viewer.on("changed", keepServerErrors);
    keepServerErrors();
  }

  ready.then(function () {
    if (serverErrors.length) { takeServerErrors(); }
    host.dataset.ready = "true";
  }, function (err) {
    host.dataset.ready = "error";
    host.textContent = "The form could not be shown: " + err.message;
  });
})();
