// The page that shows a new API token once: a Copy button, and the address bar set to the
// list so that reloading the page shows the list (without the token), not a second POST.
(function () {
  "use strict";
  var shown = document.querySelector("[data-replace-url]");
  if (shown && window.history && history.replaceState) history.replaceState(null, "", shown.getAttribute("data-replace-url"));

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var input = document.querySelector(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector("[data-copy-status]");
    function done(text) { if (status) status.textContent = text; }
    input.focus();
    input.select();
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(input.value).then(function () { done(button.getAttribute("data-copied")); },
        function () { done("Selected: press Ctrl+C to copy"); });
    } else {
      done(document.execCommand && document.execCommand("copy") ? button.getAttribute("data-copied") : "Selected: press Ctrl+C to copy");
    }
  });
})();
