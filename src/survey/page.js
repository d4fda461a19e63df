"use strict";
// Sort and filter the release table; open every <details> before printing.
// The page reads the same without this script.
(function () {
  document.documentElement.classList.add("js");
  var table = document.getElementById("release-table");
  if (table) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var heads = table.tHead.rows[0].cells;
    var key = function (row, col, numeric) {
      var cell = row.cells[col];
      var v = cell.getAttribute("data-sort") || cell.textContent.trim().toLowerCase();
      return numeric ? parseFloat(v) || 0 : v;
    };
    Array.prototype.forEach.call(heads, function (th, col) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var numeric = th.getAttribute("data-type") === "number";
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        rows.slice().sort(function (a, b) {
          var x = key(a, col, numeric), y = key(b, col, numeric);
          var c = x < y ? -1 : x > y ? 1 : 0;
          return ascending ? c : -c;
        }).forEach(function (row) { body.appendChild(row); });
      });
    });
    var label = document.createElement("label");
    label.className = "filter";
    label.textContent = "Filter releases ";
    var input = document.createElement("input");
    input.type = "search";
    input.id = "filter";
    input.placeholder = "project, symbol, yes/no\u2026";
    var status = document.createElement("span");
    status.className = "filter-status";
    status.setAttribute("aria-live", "polite");
    label.appendChild(input);
    table.parentNode.parentNode.insertBefore(label, table.parentNode);
    table.parentNode.parentNode.insertBefore(status, table.parentNode);
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (row) {
        var hit = !q || row.textContent.toLowerCase().indexOf(q) !== -1;
        row.hidden = !hit;
        if (hit) { shown += 1; }
      });
      status.textContent = q ? shown + " of " + rows.length + " releases shown" : "";
    });
  }
  var closed = [];
  window.addEventListener("beforeprint", function () {
    closed = Array.prototype.filter.call(document.querySelectorAll("details"), function (d) { return !d.open; });
    closed.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    closed.forEach(function (d) { d.open = false; });
  });
})();
