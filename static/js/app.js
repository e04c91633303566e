// Order Desk: keyboard shortcuts, confirmations and row navigation. No inline script (CSP).
(function () {
  "use strict";

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  function rows() {
    var table = document.querySelector("table[data-rows]");
    return table ? Array.prototype.slice.call(table.tBodies[0].rows) : [];
  }

  function moveCursor(step) {
    var list = rows();
    if (!list.length) return;
    var current = list.findIndex(function (r) { return r.classList.contains("is-cursor"); });
    var next = Math.min(Math.max(current + step, 0), list.length - 1);
    if (current >= 0) list[current].classList.remove("is-cursor");
    list[next].classList.add("is-cursor");
    list[next].scrollIntoView({ block: "nearest" });
  }

  function openCursor() {
    var row = document.querySelector("tr.is-cursor");
    var link = row && row.querySelector("a[href]");
    if (link) link.click();
  }

  function toggleCursorCheck() {
    var row = document.querySelector("tr.is-cursor");
    var box = row && row.querySelector("[data-row-check]");
    if (box) { box.checked = !box.checked; countSelected(); }
  }

  // Wave selection: "Start picking selected (3)".
  function countSelected() {
    var button = document.querySelector("[data-selected-count]");
    if (!button) return;
    var n = document.querySelectorAll("[data-row-check]:checked").length;
    button.textContent = n > 1 ? "Start wave of " + n + " orders" : n === 1 ? "Start picking 1 order" : "Start picking selected";
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-check-all]")) {
      document.querySelectorAll("[data-row-check]").forEach(function (box) { box.checked = event.target.checked; });
    }
    if (event.target.matches("[data-row-check], [data-check-all]")) countSelected();
  });

  // Picking: a scanner types the SKU and Enter; after each scan the field is cleared,
  // the quantity goes back to 1 and the cursor returns to the scan field.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form || !form.matches || !form.matches("[data-scan-form]")) return;
    var input = form.querySelector("[data-scan-input]");
    var qty = form.querySelector("[data-scan-qty]");
    if (qty) qty.value = "1";
    if (input) { input.value = ""; input.focus(); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (typing(event.target)) return;
    var focusTarget = document.querySelector('[data-shortcut-focus="' + event.key + '"]');
    if (focusTarget) { event.preventDefault(); focusTarget.focus(); focusTarget.select(); return; }
    var nav = document.querySelector('[data-shortcut="' + event.key + '"]');
    if (nav) { nav.click(); return; }
    if (event.key === "x") { toggleCursorCheck(); return; }
    if (event.key === "j") moveCursor(1);
    else if (event.key === "k") moveCursor(-1);
    else if (event.key === "Enter") openCursor();
    else if (event.key === "]" || event.key === "[") {
      var pager = document.querySelector('[data-pager="' + (event.key === "]" ? "next" : "prev") + '"]');
      if (pager) pager.click();
    } else if (event.key === "?") {
      var help = document.getElementById("shortcuts");
      if (help && help.showModal) help.showModal();
    }
  });

  // Comboboxes: an input with data-combobox="<results>"; ↓/↑ move through the options,
  // Enter picks the highlighted one (or the only one), Escape closes the list.
  function options(box) {
    return box ? Array.prototype.slice.call(box.querySelectorAll("[role=option]")) : [];
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target.closest && event.target.closest("[data-combobox]");
    if (!input) return;
    var box = document.querySelector(input.getAttribute("data-combobox"));
    var list = options(box);
    var active = list.findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
    if ((event.key === "ArrowDown" || event.key === "ArrowUp") && list.length) {
      event.preventDefault();
      var next = event.key === "ArrowDown" ? Math.min(active + 1, list.length - 1) : Math.max(active - 1, 0);
      list.forEach(function (o, i) { o.setAttribute("aria-selected", i === next ? "true" : "false"); });
      list[next].scrollIntoView({ block: "nearest" });
    } else if (event.key === "Enter" && list.length && (active >= 0 || list.length === 1)) {
      event.preventDefault();
      list[Math.max(active, 0)].click();
    } else if (event.key === "Escape" && box) {
      box.innerHTML = "";
    }
  });

  // A picked product fills its input and moves on to the quantity.
  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest("[data-pick-value]");
    if (!option) return;
    var into = document.querySelector(option.getAttribute("data-pick-into"));
    var next = document.querySelector(option.getAttribute("data-pick-next"));
    into.value = option.getAttribute("data-pick-value");
    option.parentNode.innerHTML = "";
    if (next) { next.focus(); next.select(); }
  });

  // Alt+R: review the draft being entered.
  document.addEventListener("keydown", function (event) {
    if (event.altKey && (event.key === "r" || event.key === "R")) {
      var link = document.querySelector('[data-shortcut-key="Alt+r"]');
      if (link) { event.preventDefault(); link.click(); }
    }
  });

  // Forms that change something hard to undo ask first.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);
})();
