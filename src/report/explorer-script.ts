/**
 * The question explorer's inline script (plain ES2017, no libraries, no network). It reads the JSON in
 * <script id="explorer-data">, renders the question table in pages, filters by text, subject, level, bin and
 * change between two models, and keeps the filter in the URL hash (#bin=1-4&binModel=base...), so a view can be
 * linked to and tests can open the page pre-filtered; #open=ID expands one question. All data goes into the DOM as text, never as HTML.
 * A question's detail (answers, samples) is read when it is opened (explorer-page.ts): parsed from
 * <script id="explorer-detail"> on first use, or from the side file holding it, added as a classic script.
 */
/** The function each side file of details calls (explorer-page.ts writes the files); defined by the script below. */
export const PART_CALLBACK = "__rlvdExplorerPart";

export const EXPLORER_SCRIPT = String.raw`
(function () {
  var holder = document.getElementById("explorer-data");
  var root = document.getElementById("explorer");
  if (!holder || !root) return;
  var D = JSON.parse(holder.textContent);
  function $(id) { return document.getElementById(id); }
  D.questions = D.questions.map(function (a, i) { return { i: i, id: a[0], prompt: a[1], answer: a[2], subject: a[3], level: a[4], r: a[5] }; });
  // details: parsed on first use (inline), or one side file per part, each loaded once; callbacks wait on it
  var DP = D.detail, inline = null, parts = {}, waiting = {};
  window.${PART_CALLBACK} = function (token, k, rows) {
    var w = waiting[k] || [];
    delete waiting[k];
    if (token !== DP.token) { w.forEach(function (cb) { cb(null, DP.dir + "/part-" + k + ".js belongs to another report (written since this page was): reload the page"); }); return; }
    parts[k] = rows;
    w.forEach(function (cb) { cb(rows); });
  };
  function withDetail(q, cb) {
    if (DP.kind === "none") return cb(0);
    if (DP.kind === "inline") { if (!inline) inline = JSON.parse($("explorer-detail").textContent); return cb(inline[q.i]); }
    var k = Math.floor(q.i / DP.per), at = q.i - k * DP.per;
    if (parts[k]) return cb(parts[k][at]);
    var first = !waiting[k];
    (waiting[k] = waiting[k] || []).push(function (rows, err) { cb(rows ? rows[at] : null, err); });
    if (!first) return;
    var file = DP.dir + "/part-" + k + ".js", tag = document.createElement("script");
    tag.onerror = function () {
      var w = waiting[k] || [];
      delete waiting[k];
      tag.remove();
      w.forEach(function (f) { f(null, "could not read " + file + " beside this page: its samples and answers are in that folder (keep it with the page)"); });
    };
    tag.src = encodeURIComponent(DP.dir) + "/part-" + k + ".js"; // the folder is named after the page, which may hold "#" or "%"
    document.head.appendChild(tag);
  }
  var M = D.models, PAGE = 100, shown = PAGE;
  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) { if (k === "text") e.textContent = attrs[k]; else e.setAttribute(k, attrs[k]); }
    (kids || []).forEach(function (c) { if (c) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }
  function select(id, label, options) {
    var s = el("select", { id: id });
    options.forEach(function (o) { s.appendChild(el("option", { value: o[0], text: o[1] })); });
    return el("label", {}, [label + " ", s]);
  }
  function uniq(f) { var seen = {}; D.questions.forEach(function (q) { var v = f(q); if (v !== null && v !== undefined) seen[v] = 1; }); return Object.keys(seen).sort(function (a, b) { return a.localeCompare(b, undefined, { numeric: true }); }); }
  var modelOpts = M.map(function (m, i) { return [String(i), m]; });
  var subjects = uniq(function (q) { return q.subject; }), levels = uniq(function (q) { return q.level; });
  var binDefault = String(Math.max(0, M.indexOf(D.base)));
  var controls = el("div", { class: "controls" }, [
    el("label", {}, ["search ", el("input", { id: "f-text", type: "search", placeholder: "id or text" })]),
    select("f-subject", "subject", [["", "any"]].concat(subjects.map(function (s) { return [s, s]; }))),
    select("f-level", "level", [["", "any"]].concat(levels.map(function (s) { return [s, s]; }))),
    select("f-binModel", "bin of", modelOpts),
    select("f-bin", "is", [["", "any"]].concat(D.bins.map(function (b, i) { return [String(i), b]; }))),
    select("f-a", "change from", modelOpts),
    select("f-b", "to", modelOpts),
    select("f-change", "", [["", "any change"], ["up", "solved more often"], ["down", "solved less often"], ["moved", "moved bin"], ["same", "same bin"], ["lost", "solved → never solved"], ["won", "never solved → solved"]]),
  ]);
  var count = el("p", { class: "count", id: "explorer-count" });
  var table = el("table", { class: "questions", id: "explorer-table" });
  var more = el("button", { type: "button", id: "explorer-more", text: "show more" });
  root.appendChild(controls);
  if (!subjects.length) $("f-subject").parentNode.style.display = "none";
  if (!levels.length) $("f-level").parentNode.style.display = "none"; root.appendChild(count); root.appendChild(table); root.appendChild(more);
  $("f-binModel").value = binDefault;
  $("f-a").value = binDefault;
  $("f-b").value = String(M.length > 1 && binDefault === "0" ? 1 : 0);
  var keys = ["text", "subject", "level", "binModel", "bin", "a", "b", "change"];
  var openId = null;
  function readHash() {
    var h = location.hash.replace(/^#/, "");
    if (!h) return;
    h.split("&").forEach(function (kv) {
      var p = kv.split("="), k = decodeURIComponent(p[0]), v = decodeURIComponent(p.slice(1).join("=") || "");
      if (k === "open") openId = v;
      if (keys.indexOf(k) < 0) return;
      var s = $("f-" + k);
      if (k === "binModel" || k === "a" || k === "b") { var i = M.indexOf(v); v = i >= 0 ? String(i) : s.value; }
      if (k === "bin") { var j = D.bins.indexOf(v); v = j >= 0 ? String(j) : ""; }
      s.value = v;
    });
  }
  function writeHash() {
    var parts = [];
    keys.forEach(function (k) {
      var v = $("f-" + k).value;
      if (k === "binModel" || k === "a" || k === "b") { if (!$("f-bin").value && k === "binModel") return; if (!$("f-change").value && k !== "binModel") return; v = M[+v]; }
      else if (k === "bin") v = v === "" ? "" : D.bins[+v];
      if (v !== "") parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(v));
    });
    try { history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname); } catch (e) { /* file: URLs in some browsers */ }
  }
  function frac(r) { return r ? r[1] / r[0] : null; }
  function matches(q) {
    var t = $("f-text").value.toLowerCase();
    if (t && q.id.toLowerCase().indexOf(t) < 0 && q.prompt.toLowerCase().indexOf(t) < 0) return false;
    if ($("f-subject").value && q.subject !== $("f-subject").value) return false;
    if ($("f-level").value && q.level !== $("f-level").value) return false;
    if ($("f-bin").value !== "") { var r = q.r[+$("f-binModel").value]; if (!r || r[2] !== +$("f-bin").value) return false; }
    var ch = $("f-change").value;
    if (ch) {
      var a = q.r[+$("f-a").value], b = q.r[+$("f-b").value];
      if (!a || !b) return false;
      var fa = frac(a), fb = frac(b);
      if (ch === "up" && !(fb > fa)) return false;
      if (ch === "down" && !(fb < fa)) return false;
      if (ch === "moved" && a[2] === b[2]) return false;
      if (ch === "same" && a[2] !== b[2]) return false;
      if (ch === "lost" && !(a[1] > 0 && b[1] === 0)) return false;
      if (ch === "won" && !(a[1] === 0 && b[1] > 0)) return false;
    }
    return true;
  }
  function detail(q, d, err) {
    var box = el("div", { class: "detail" });
    if (err) box.appendChild(el("p", { class: "warnings", text: err }));
    if (q.prompt) box.appendChild(el("pre", { class: "prompt", text: q.prompt }));
    box.appendChild(el("p", {}, [el("b", { text: "gold answer: " }), el("code", { text: q.answer || "(not stored)" })]));
    M.forEach(function (m, i) {
      var r = q.r[i];
      if (!r) return;
      var sec = el("div", { class: "model" }, [el("h4", { text: m + ": " + r[1] + " of " + r[0] + " correct (bin " + D.bins[r[2]] + ")" })]);
      var answers = d && d[0] && d[0][i];
      if (answers && answers.length) {
        var ul = el("ul", { class: "answers" });
        answers.forEach(function (a) { ul.appendChild(el("li", { class: a[2] * 2 > a[1] ? "ok" : "bad" }, [el("code", { text: a[0] }), " × " + a[1]])); });
        sec.appendChild(el("div", {}, [el("span", { text: "most frequent answers: " }), ul]));
      }
      var samples = d && d[1] && d[1][i];
      if (samples && samples.length) {
        samples.forEach(function (s) {
          var verdict = s[1] === 1 ? "✓ correct" : s[1] === 0 ? "✗ wrong" : "ungraded";
          var head = el("summary", {}, ["sample " + s[0] + " — " + verdict + " — answer: ", el("code", { text: s[2] === null ? "(none)" : s[2] })]);
          var body = el("pre", { class: "sample", text: (s[3] === null ? "(no text stored)" : s[3]) + (s[3] !== null && s[4] > s[3].length ? "\n… (" + (s[4] - s[3].length) + " more characters)" : "") });
          sec.appendChild(el("details", { class: s[1] === 1 ? "ok" : s[1] === 0 ? "bad" : "" }, [head, body]));
        });
        if (r[0] > samples.length) sec.appendChild(el("p", { class: "muted", text: "showing " + samples.length + " of " + r[0] + " samples; every sample is in the exported JSONL (link above the table)" }));
      }
      box.appendChild(sec);
    });
    return box;
  }
  function render() {
    var list = D.questions.filter(matches);
    count.textContent = list.length + " of " + D.questions.length + " questions";
    table.textContent = "";
    var head = el("tr", {}, [el("th", { text: "question" }), subjects.length ? el("th", { text: "subject" }) : null, levels.length ? el("th", { text: "level" }) : null].concat(M.map(function (m) { return el("th", { text: m }); })));
    table.appendChild(el("thead", {}, [head]));
    var body = el("tbody");
    list.slice(0, shown).forEach(function (q) {
      var row = el("tr", { class: "q-row", "data-id": q.id }, [el("td", {}, [el("a", { href: "javascript:void 0", text: q.id })]), subjects.length ? el("td", { text: q.subject || "" }) : null, levels.length ? el("td", { text: q.level || "" }) : null].concat(q.r.map(function (r) {
        return el("td", { class: "num", text: r ? r[1] + "/" + r[0] + "  (" + D.bins[r[2]] + ")" : "–" });
      })));
      var open = null;
      row.addEventListener("click", function () {
        if (open) { open.remove(); open = null; return; }
        var cell = el("td", { colspan: String(1 + (subjects.length ? 1 : 0) + (levels.length ? 1 : 0) + M.length) }, [el("p", { class: "muted", text: "loading…" })]);
        open = el("tr", { class: "q-detail" }, [cell]);
        row.after(open);
        withDetail(q, function (d, err) { cell.textContent = ""; cell.appendChild(detail(q, d, err)); });
      });
      body.appendChild(row);
    });
    table.appendChild(body);
    more.style.display = list.length > shown ? "" : "none";
  }
  more.addEventListener("click", function () { shown += PAGE; render(); });
  keys.forEach(function (k) { $("f-" + k).addEventListener(k === "text" ? "input" : "change", function () { shown = PAGE; writeHash(); render(); }); });
  readHash();
  render();
  if (openId !== null) {
    var rows = table.querySelectorAll("tr.q-row");
    for (var i = 0; i < rows.length; i++) if (rows[i].getAttribute("data-id") === openId) { rows[i].click(); rows[i].scrollIntoView(); }
  }
})();
`;
