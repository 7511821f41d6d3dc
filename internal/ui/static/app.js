// bcsync: the few live parts of the UI. Pages work without this script; with it, a sync's progress,
// the connections' states and the debugger's calls update without reloading, and forms show only the
// fields that apply.
(function () {
  "use strict";

  // [data-live] elements are replaced by their URL's fragment every data-every ms (faster while the
  // fragment says a sync is active).
  function live(el) {
    var url = el.getAttribute("data-live");
    var every = parseInt(el.getAttribute("data-every") || "2000", 10);
    function tick() {
      if (document.hidden) { return schedule(every); }
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
        .then(function (html) {
          if (el.innerHTML.trim() !== html.trim()) { el.innerHTML = html; }
          var active = el.querySelector('[data-active="true"]');
          schedule(active ? 1000 : every);
        })
        .catch(function () { schedule(every * 3); });
    }
    function schedule(ms) { setTimeout(tick, ms); }
    schedule(every);
  }

  // [data-live-rows] table bodies get the rows recorded after their newest row, at the top.
  function liveRows(body) {
    var url = body.getAttribute("data-live-rows");
    function newest() {
      var row = body.querySelector("tr[data-id]");
      return row ? row.getAttribute("data-id") : "0";
    }
    function tick() {
      if (document.hidden) { return setTimeout(tick, 2000); }
      var sep = url.indexOf("?") >= 0 ? "&" : "?";
      fetch(url + sep + "after=" + encodeURIComponent(newest()), { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
        .then(function (html) {
          var holder = document.createElement("tbody");
          holder.innerHTML = html;
          var rows = holder.querySelectorAll("tr");
          for (var i = rows.length - 1; i >= 0; i--) {
            rows[i].classList.add("new");
            body.insertBefore(rows[i], body.firstChild);
          }
          if (rows.length) {
            var empty = document.querySelector("[data-empty]");
            if (empty) { empty.remove(); }
          }
          while (body.rows.length > 300) { body.deleteRow(body.rows.length - 1); }
          setTimeout(tick, 1500);
        })
        .catch(function () { setTimeout(tick, 5000); });
    }
    setTimeout(tick, 1500);
  }

  // A token shown once is selected, ready to copy.
  function selectToken() {
    var t = document.getElementById("new-token");
    if (t) { t.focus(); t.select(); }
  }

  // A radio group [data-choose] shows only the fieldsets [data-for] that name its choice (the fields
  // of a kind of source); without the script every fieldset shows, and the choice says which count.
  function choose(group) {
    function show() {
      var picked = group.querySelector("input[type=radio]:checked");
      var value = picked ? picked.value : "";
      group.form.querySelectorAll("fieldset[data-for]").forEach(function (f) {
        f.hidden = f.getAttribute("data-for").split(" ").indexOf(value) < 0;
      });
    }
    group.addEventListener("change", show);
    show();
  }

  // A select [data-value-for] shows the input it names only for the choices that need one: a
  // constant or a template, a metafield's key.
  function valueFor(select) {
    var input = document.getElementById(select.getAttribute("data-value-for"));
    if (!input) { return; }
    var shows = (select.getAttribute("data-shows-on") || "").split(" ");
    function show() { input.hidden = shows.indexOf(select.value) < 0 && input.value === ""; }
    select.addEventListener("change", function () {
      show();
      if (!input.hidden) { input.focus(); }
    });
    show();
  }

  // A code textarea gets line numbers beside it, kept in step as it is typed in and scrolled.
  function lineNumbers(area) {
    var gutter = document.createElement("div");
    gutter.className = "gutter";
    gutter.setAttribute("aria-hidden", "true");
    area.parentNode.insertBefore(gutter, area);
    function number() {
      var n = area.value.split("\n").length, out = [];
      for (var i = 1; i <= n; i++) { out.push(i); }
      gutter.textContent = out.join("\n");
      gutter.scrollTop = area.scrollTop;
    }
    area.addEventListener("input", number);
    area.addEventListener("scroll", function () { gutter.scrollTop = area.scrollTop; });
    number();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live]").forEach(live);
    document.querySelectorAll("[data-live-rows]").forEach(liveRows);
    document.querySelectorAll("[data-choose]").forEach(choose);
    document.querySelectorAll("select[data-value-for]").forEach(valueFor);
    document.querySelectorAll(".code-editor textarea").forEach(lineNumbers);
    selectToken();
  });
})();
