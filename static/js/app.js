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

  // "Start next wave (5)": the button says how many orders the size box will take.
  document.addEventListener("input", function (event) {
    if (!event.target.matches("[data-wave-size]")) return;
    var button = document.querySelector("[data-next-wave-label]");
    var n = parseInt(event.target.value, 10);
    if (button) button.textContent = n > 0 ? "Start next wave (" + n + ")" : "Start next wave";
  });

  // Picking: a scanner types the SKU and Enter; after each scan the field is cleared,
  // the quantity goes back to 1 and the cursor returns to the scan field.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form || !form.matches || !form.matches("[data-scan-form]")) return;
    if (!document.body.contains(form)) return;  // typed wrong: the form came back in its place, as typed
    form.querySelectorAll(".field__error").forEach(function (p) { p.remove(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.setAttribute("aria-invalid", "false"); el.removeAttribute("aria-describedby"); });
    form.querySelectorAll(".field--error").forEach(function (el) { el.classList.remove("field--error"); });
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

  // A picked product fills its input and moves on to the quantity: the input whose
  // data-combobox names the list (else the option's data-pick-into), and the input's
  // data-pick-next (else the option's). A change event tells the form (the amendment's preview).
  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest("[data-pick-value]");
    if (!option) return;
    var box = option.parentNode;
    var into = (box.id && document.querySelector('[data-combobox="#' + box.id + '"]')) ||
      document.querySelector(option.getAttribute("data-pick-into"));
    var next = document.querySelector(into.getAttribute("data-pick-next") || option.getAttribute("data-pick-next"));
    into.value = option.getAttribute("data-pick-value");
    box.innerHTML = "";
    into.dispatchEvent(new Event("change", { bubbles: true }));
    if (next) { next.focus(); next.select(); }
  });

  // Alt+<letter>: the element whose aria-keyshortcuts says so (Alt+R review, Alt+A acknowledge
  // the checks shown, Alt+P/I/W the PO, instructions and requested date fields). A field gets
  // the focus; a button or link is pressed once the field being typed in has saved (leaving
  // it saves it) and every save under way has answered, so it goes with the newest version.
  var saving = [];
  document.addEventListener("htmx:beforeRequest", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr || event.detail.requestConfig.verb === "get") return;
    saving.push(xhr);
    xhr.addEventListener("loadend", function () {
      saving = saving.filter(function (x) { return x !== xhr; });
      if (!saving.length) afterSaves.splice(0).forEach(function (run) { run(); });
    });
  });
  var afterSaves = [];
  function whenSaved(run) { if (saving.length) afterSaves.push(run); else run(); }

  function shortcutSelector(event) {
    var letter = /^Key([A-Z])$/.exec(event.code || "");
    if (!letter || !event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return null;
    return '[aria-keyshortcuts="Alt+' + letter[1] + '"], [data-shortcut-key="Alt+' + letter[1].toLowerCase() + '"]';
  }

  // A save can redraw the button's form (the checks panel); the redrawn one then acts only on
  // the checks (hidden `key` fields) that were on screen when the key was pressed.
  function asShown(target, selector) {
    if (document.body.contains(target)) return target;
    var now = document.querySelector(selector);
    if (!now || !now.form || !target.form) return now;
    var seen = Array.prototype.map.call(target.form.querySelectorAll('input[name="key"]'), function (i) { return i.value; });
    now.form.querySelectorAll('input[name="key"]').forEach(function (i) { if (seen.indexOf(i.value) < 0) i.remove(); });
    return seen.length && !now.form.querySelector('input[name="key"]') ? null : now;
  }

  // A search box whose form field has another name (the amendment's add rows) asks the
  // product search under the name the search reads (data-search-as).
  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    var as = elt.getAttribute && elt.getAttribute("data-search-as");
    if (!as) return;
    delete event.detail.parameters[elt.name];
    event.detail.parameters[as] = elt.value;
  });

  document.addEventListener("keydown", function (event) {
    var selector = shortcutSelector(event);
    var target = selector && document.querySelector(selector);
    if (!target) return;
    event.preventDefault();
    if (target.matches("input, textarea, select")) {
      target.focus();
      if (target.select && target.type !== "date") target.select();
      return;
    }
    var was = document.activeElement;
    if (was && typing(was)) was.blur();
    whenSaved(function () {
      var now = asShown(target, selector);
      if (!now) return;
      if (now.form && window.htmx) htmx.process(now.form);  // drawn by the save that just answered
      if (now.form && now.form.requestSubmit) now.form.requestSubmit(now); else now.click();
      if (was && typing(was) && document.body.contains(was)) was.focus();
    });
  });

  // On the entry screen, every form carries the draft's version as this page last saved it
  // (htmx edits move it on), so only a real concurrent edit is reported as a conflict.
  document.addEventListener("submit", function (event) {
    var current = document.getElementById("draft-version");
    if (!current) return;
    event.target.querySelectorAll('input[name="version"]').forEach(function (input) {
      if (input !== current) input.value = current.value;
    });
  }, true);

  // The same for htmx requests that no submit event announces (a field's change saving the
  // header or a quantity): htmx puts the form's own fields after hx-include's, so without this
  // the version the form was drawn with would count, and a save after any other edit would be
  // reported as someone else's change.
  document.addEventListener("htmx:configRequest", function (event) {
    var current = document.getElementById("draft-version");
    var data = event.detail.formData;
    if (current && data && data.has("version")) data.set("version", current.value);
  });

  // "Go back to the form" on an error page: the browser restores what was typed.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-history-back]")) { event.preventDefault(); history.back(); }
  });

  // Forms (or one button of a form) that change something hard to undo ask first;
  // "{n}" in the question is the number of rows ticked in the form.
  document.addEventListener("submit", function (event) {
    var asker = event.submitter && event.submitter.hasAttribute("data-confirm") ? event.submitter : event.target;
    var message = asker.getAttribute("data-confirm");
    if (message) message = message.replace("{n}", event.target.querySelectorAll("[data-row-check]:checked").length);
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);

  // Attachments: a file over the limit is refused as soon as it is chosen (nothing is sent);
  // while one uploads, the button says so and a progress bar runs until the page answers.
  function sizeText(bytes) {
    return bytes < 1048576 ? Math.floor(bytes / 1024) + " KB" : (bytes / 1048576).toFixed(1).replace(/\.0$/, "") + " MB";
  }
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-max-bytes]")) return;
    var file = input.files && input.files[0];
    var max = parseInt(input.getAttribute("data-max-bytes"), 10);
    var message = file && file.size > max ? file.name + " is " + sizeText(file.size) + "; files up to " +
      sizeText(max) + " can be attached. Choose a smaller file." : "";
    input.setCustomValidity(message);
    input.setAttribute("aria-invalid", message ? "true" : "false");
    if (input.closest(".field")) input.closest(".field").classList.toggle("field--error", !!message);
    var error = document.getElementById(input.id + "-error");
    if (message && !error) {  // the message goes where the field macro puts one (named by the input)
      error = document.createElement("p");
      error.className = "field__error";
      error.id = input.id + "-error";
      input.insertAdjacentElement("afterend", error);
    }
    if (error) error.textContent = message;
    if (message) input.setAttribute("aria-describedby", error.id);
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.matches("[data-upload]")) return;
    var input = form.querySelector("input[type=file]");
    if (input && !input.checkValidity()) { event.preventDefault(); input.focus(); return; }
    var button = form.querySelector("button[type=submit]");
    var bar = form.querySelector("progress");
    if (button) { button.disabled = true; button.textContent = "Uploading…"; }
    if (bar) bar.hidden = false;
  });
  window.addEventListener("pageshow", function (event) {  // back to a page left while uploading
    if (!event.persisted) return;
    document.querySelectorAll("[data-upload] button[type=submit]").forEach(function (b) { b.disabled = false; b.textContent = "Attach"; });
    document.querySelectorAll("[data-upload] progress").forEach(function (bar) { bar.hidden = true; });
  });

  // ---- Live updates ---------------------------------------------------------------
  // The page polls /live/feed with the lowest cursor of its live regions (the id of the
  // last event each one has seen). When the feed has moved, the regions whose topic the
  // new events touch are redrawn whole (outerHTML: never appended, so never duplicated);
  // the others just take the new cursor. A failed poll or redraw leaves the cursors where
  // they were, so the next good poll catches up; meanwhile the indicator says the page may
  // be out of date and when it was last known to be current.
  function initLive(feed) {
    var interval = (parseFloat(feed.getAttribute("data-interval")) || 1.5) * 1000;
    var text = feed.querySelector(".live__text");
    var lastOk = Date.now();
    var kept = {};

    function regions() { return Array.prototype.slice.call(document.querySelectorAll("[data-live-topic]")); }
    function cursor(el) { return parseInt(el.getAttribute("data-live-since"), 10) || 0; }
    function clock(t) { return new Date(t).toLocaleTimeString(document.documentElement.lang || [], { hour: "2-digit", minute: "2-digit", second: "2-digit" }); }
    function show(state, message) {
      feed.setAttribute("data-state", state);
      document.body.classList.toggle("is-stale", state !== "live");
      text.textContent = message;
    }
    function current() { lastOk = Date.now(); show("live", "Live · " + clock(lastOk)); }
    function stale(why) { show("stale", why + " · last updated " + clock(lastOk)); }
    function poll() { htmx.trigger(feed, "live:poll"); }

    function apply(change) {
      regions().forEach(function (el) {
        if (cursor(el) === change.head) return;
        if (change.topics.indexOf(el.getAttribute("data-live-topic")) >= 0) htmx.trigger(el, "live:refresh");
        else el.setAttribute("data-live-since", change.head);
      });
    }

    document.body.addEventListener("htmx:configRequest", function (event) {
      if (event.detail.elt !== feed) return;
      var list = regions();
      var topics = list.map(function (el) { return el.getAttribute("data-live-topic"); });
      event.detail.parameters.since = list.length ? Math.min.apply(null, list.map(cursor)) : cursor(feed);
      event.detail.parameters.topics = topics.filter(function (t, i) { return topics.indexOf(t) === i; }).join(",");
    });

    feed.addEventListener("htmx:afterRequest", function (event) {
      var status = event.detail.xhr ? event.detail.xhr.status : 0;
      if (status === 204) current();
      else if (status === 200) { apply(JSON.parse(event.detail.xhr.responseText)); current(); }
      else if (status === 401) show("ended", "Logged out: reload the page to log in again");
      else stale(status ? "Server error, retrying" : "Reconnecting…");
    });
    feed.addEventListener("htmx:timeout", function () { stale("Reconnecting…"); });
    feed.addEventListener("htmx:sendError", function () { stale("Reconnecting…"); });

    // A redraw that fails keeps the region's old cursor: the next poll asks again.
    ["htmx:responseError", "htmx:sendError", "htmx:timeout"].forEach(function (name) {
      document.body.addEventListener(name, function (event) {
        var el = event.detail.elt;
        if (el && el !== feed && el.hasAttribute && el.hasAttribute("data-live-topic")) stale("Could not refresh, retrying");
      });
    });

    // Keep what the person was doing across a redraw: typed text, open menus, focus, row cursor.
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      var target = event.detail.target;
      if (target && target.id && !document.body.contains(target)) {  // redrawn while this request ran
        if (event.detail.requestConfig.elt === target) { event.detail.shouldSwap = false; return; }  // a refresh: newer is shown
        target = event.detail.target = document.getElementById(target.id) || target;  // a tab or search: show its answer
      }
      if (!target || !target.hasAttribute("data-live-topic") || event.detail.requestConfig.elt !== target) return;
      var state = { values: {}, open: [], focus: null, row: null };
      target.querySelectorAll("input:not([type=hidden]):not([type=file]), textarea").forEach(function (input) {
        if (input.value !== input.defaultValue) state.values[key(input)] = input.value;
      });
      target.querySelectorAll("details").forEach(function (d, i) { if (d.open) state.open.push(i); });
      state.self = target.matches("details[open]");
      if (target.contains(document.activeElement) && document.activeElement.name) state.focus = key(document.activeElement);
      var row = target.querySelector("tr.is-cursor a.ref");
      if (row) state.row = row.textContent;
      kept[target.id] = state;
    });
    document.body.addEventListener("htmx:afterSettle", function (event) {
      Object.keys(kept).forEach(function (id) {
        var el = document.getElementById(id), state = kept[id];
        if (!el) return;
        delete kept[id];
        el.querySelectorAll("input:not([type=hidden]):not([type=file]), textarea").forEach(function (input) {
          if (state.values[key(input)] !== undefined) input.value = state.values[key(input)];
          if (state.focus === key(input)) input.focus();
        });
        var details = el.querySelectorAll("details");
        state.open.forEach(function (i) { if (details[i]) details[i].open = true; });
        if (state.self) el.open = true;
        if (state.row) el.querySelectorAll("tr a.ref").forEach(function (a) {
          if (a.textContent === state.row) a.closest("tr").classList.add("is-cursor");
        });
      });
    });
    function key(input) { return (input.form ? input.form.getAttribute("action") : "") + "#" + input.name; }

    // Asleep, offline or back from another page: say so, and look again as soon as possible.
    setInterval(function () {
      if (feed.getAttribute("data-state") === "live" && Date.now() - lastOk > interval * 3 + 2000) {
        stale("Checking for changes");
        poll();
      }
    }, 1000);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(); });
    window.addEventListener("online", poll);
    window.addEventListener("pageshow", function (event) { if (event.persisted) { stale("Checking for changes"); poll(); } });
    current();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var feed = document.getElementById("live-feed");
    if (feed && window.htmx) initLive(feed);
  });
})();
