// Order page: sections that fold (<details data-fold>) stay as the person left them, per
// user and section, in localStorage (nothing is written on the server). The scope is the
// user id on the element carrying data-fold-scope. A fold that shows a form error is never
// closed by a remembered state. Also applied to regions htmx redraws (live updates, notes).
(function () {
  "use strict";
  var PREFIX = "orderdesk.fold.";

  function keyOf(details) {
    var scope = details.closest("[data-fold-scope]");
    return scope ? PREFIX + scope.getAttribute("data-fold-scope") + "." + details.getAttribute("data-fold") : null;
  }
  function stored(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function store(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode: folds just reset */ }
  }
  function apply(root) {
    if (!root || !root.querySelectorAll) return;
    var all = Array.prototype.slice.call(root.querySelectorAll("details[data-fold]"));
    if (root.matches && root.matches("details[data-fold]")) all.push(root);
    all.forEach(function (details) {
      var key = keyOf(details), state = key && stored(key);
      if (!state) return;
      if (state === "closed" && details.querySelector("[aria-invalid=true]")) return;
      details.open = state === "open";
    });
  }

  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.matches || !details.matches("details[data-fold]")) return;
    var key = keyOf(details);
    if (key) store(key, details.open ? "open" : "closed");
  }, true);
  document.addEventListener("htmx:load", function (event) { apply(event.target); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { apply(document); });
  else apply(document);
})();
