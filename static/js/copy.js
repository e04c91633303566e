// "Copy" buttons: data-copy names the input whose value goes to the clipboard (a status link,
// a new API token). The result is said in the button's [data-copy-status] neighbour if it has
// one, else on the button for two seconds. A page showing a new API token also sets the
// address bar to the list (data-replace-url), so that reloading shows the list, not a second POST.
(function () {
  "use strict";
  var shown = document.querySelector("[data-replace-url]");
  if (shown && window.history && history.replaceState) history.replaceState(null, "", shown.getAttribute("data-replace-url"));

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (!button) return;
    var input = document.querySelector(button.getAttribute("data-copy"));
    if (!input) return;
    var status = button.parentNode.querySelector("[data-copy-status]");
    var copied = button.getAttribute("data-copied") || "Copied";
    function done(text) {
      if (status) { status.textContent = text; return; }
      var label = button.textContent;
      button.textContent = text;
      setTimeout(function () { button.textContent = label; }, 2000);
    }
    input.focus();
    input.select();
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(input.value).then(function () { done(copied); },
        function () { done(document.execCommand && document.execCommand("copy") ? copied : "Selected: press Ctrl+C to copy"); });
    } else {
      done(document.execCommand && document.execCommand("copy") ? copied : "Selected: press Ctrl+C to copy");
    }
  });
})();
