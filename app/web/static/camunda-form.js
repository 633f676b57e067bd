// Render a Camunda Form (form-js) inside the task's HTML form; on submit, put its data in form_data.
(function () {
  "use strict";
  var host = document.getElementById("form-js");
  var htmlForm = document.getElementById("task-form");
  if (!host || !htmlForm || !window.FormViewer) { return; }
  var schema = JSON.parse(document.getElementById("form-schema").textContent);
  var data = JSON.parse(document.getElementById("form-data").textContent);
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
  ready.then(function () { host.dataset.ready = "true"; }, function (err) {
    host.dataset.ready = "error";
    host.textContent = "The form could not be shown: " + err.message;
  });
})();
