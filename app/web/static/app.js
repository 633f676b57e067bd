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
})();
