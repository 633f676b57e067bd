// Small behaviours every page shares; each page works without them.
(function () {
  "use strict";

  // The bell menu is a <details>: Esc and a click anywhere outside it close it, as menus do.
  var bell = document.getElementById("bell");
  if (bell) {
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && bell.open) {
        bell.open = false;
        bell.querySelector("summary").focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (bell.open && !bell.contains(event.target)) { bell.open = false; }
    });
  }

  // After a refused submission focus goes to the summary of what needs attention (it links to the
  // fields), so a keyboard or screen-reader user starts there rather than at the top of the page.
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
    // A link to a field moves the focus into it, not only the scroll position.
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var id = link && link.getAttribute("href").slice(1);
      // (a group of radios or a date and time: its inputs' ids start with the field's)
      var target = id && (document.getElementById(id) || document.querySelector('[id^="' + CSS.escape(id) + '"]'));
      if (!target) { return; }
      var field = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
      event.preventDefault();
      (field || target).scrollIntoView({ block: "center" });
      if (field) { field.focus({ preventScroll: true }); }
    });
  }
  // What was typed in a task's or start form outlives a session that ended meanwhile: the form is
  // kept in this tab as it is sent; when the server sends the person to sign in instead, signing in
  // brings them back to the page and the form is filled again. Any other page drops what was kept
  // (the form was taken, or they went elsewhere). Passwords and files are never kept.
  var DRAFT = "baton.draft";
  var kept = null;
  try { kept = JSON.parse(sessionStorage.getItem(DRAFT) || "null"); } catch (e) { kept = null; }
  var taskForm = document.getElementById("task-form");
  if (!document.getElementById("login-form")) {
    sessionStorage.removeItem(DRAFT);
    if (kept && kept.path === location.pathname && taskForm && !summary) {
      restore(taskForm, kept.fields);
      window.batonDraft = kept; // camunda-form.js puts back what form-js held
    }
  }
  // (on the document, so it runs after camunda-form.js has copied form-js's data into the form)
  document.addEventListener("submit", function (event) {
    if (event.target !== taskForm || event.defaultPrevented) { return; }
    var fields = Array.prototype.filter.call(taskForm.elements, keepable).map(function (el) {
      return { name: el.name, value: el.value, checked: el.checked };
    });
    var formData = document.getElementById("form-data-input");
    var draft = { path: location.pathname, fields: fields, formData: formData ? formData.value : null };
    try { sessionStorage.setItem(DRAFT, JSON.stringify(draft)); } catch (e) { /* storage full or off */ }
  });

  function keepable(el) {
    return el.name && el.name !== "csrf_token" && ["hidden", "password", "file", "submit", "button"].indexOf(el.type) === -1;
  }

  function restore(form, fields) {
    var seen = {};
    fields.forEach(function (field) {
      var all = Array.prototype.filter.call(form.elements, function (el) { return el.name === field.name && keepable(el); });
      if (all.length && (all[0].type === "checkbox" || all[0].type === "radio")) {
        all.forEach(function (el) { if (el.value === field.value) { el.checked = field.checked; } });
        return;
      }
      var index = seen[field.name] = (seen[field.name] || 0) + 1; // (several inputs of one name: in order)
      if (all[index - 1]) { all[index - 1].value = field.value; }
    });
  }
})();
