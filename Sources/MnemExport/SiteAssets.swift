/// The site's stylesheet and the index's script: written once per export as `mnem.css` and
/// `mnem.js`, beside the pages, and loaded by relative links (nothing comes from the network).
///
/// One shared stylesheet rather than a copy inlined in every page: at 100,000 memories an
/// inlined copy would add about as many bytes again as the pages themselves.
enum SiteAssets {
    static let stylesheet = """
        :root { --fg: #1d2330; --muted: #5b6474; --line: #dde2ea; --bg: #fbfcfd; --accent: #2456a6;
          --insight: #7a3fb0; --summary: #1f7a4d; --workflow: #b0641f; --trajectory: #5b6474; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
        header.site { display: flex; gap: 1.5em; align-items: baseline; padding: .6em 1.5em; border-bottom: 1px solid var(--line); background: #fff; }
        header.site .brand { font-weight: 700; letter-spacing: .04em; }
        header.site nav a { margin-right: 1em; color: var(--muted); text-decoration: none; }
        header.site nav a[aria-current] { color: var(--fg); font-weight: 600; }
        main { max-width: 72em; margin: 0 auto; padding: 1em 1.5em 3em; }
        footer { color: var(--muted); font-size: 13px; padding: 1em 1.5em; border-top: 1px solid var(--line); }
        a { color: var(--accent); }
        h1 { font-size: 1.6em; margin: .3em 0 .5em; overflow-wrap: anywhere; }
        h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid var(--line); padding-bottom: .2em; }
        h3 { font-size: 1em; margin: 1.2em 0 .4em; }
        code, pre { font: 13px/1.45 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
        pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f2f4f7; border: 1px solid var(--line); border-radius: 4px; padding: .6em .8em; margin: .3em 0; max-height: 40em; overflow: auto; }
        .kind { display: inline-block; font-size: 12px; font-weight: 600; color: #fff; border-radius: 3px; padding: 0 .45em; background: var(--trajectory); text-decoration: none; }
        .kind.insight { background: var(--insight); } .kind.summary { background: var(--summary); }
        .kind.workflow { background: var(--workflow); } .kind.trajectory { background: var(--trajectory); }
        .outcome { font-size: 12px; border-radius: 3px; padding: 0 .4em; border: 1px solid var(--line); }
        .outcome.success { color: #1f7a4d; border-color: #9fd3b6; } .outcome.failure { color: #a62424; border-color: #e7a9a9; }
        .outcome.unknown { color: var(--muted); }
        .crumbs { margin: 0; display: flex; gap: .6em; align-items: center; }
        .notice { background: #fff6e0; border: 1px solid #efd9a0; border-radius: 4px; padding: .5em .8em; }
        dl.meta, dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: .25em 1em; margin: .5em 0; }
        dl.meta dt, dl.summary dt { color: var(--muted); }
        dl.meta dd, dl.summary dd { margin: 0; overflow-wrap: anywhere; }
        .why, .when, .none, .more, .trailers { color: var(--muted); }
        .lead { font-size: 1.1em; }
        .prose { white-space: pre-wrap; overflow-wrap: anywhere; }
        .tag { background: #eef1f6; border-radius: 3px; padding: 0 .4em; font-size: 13px; }
        .category { display: inline-block; min-width: 6em; color: var(--muted); font-size: 13px; }
        ol.steps li, ul.links li, ul.feedback li { margin: .25em 0; }
        ol.trajectory { padding-left: 2.2em; } ol.trajectory summary { cursor: pointer; overflow-wrap: anywhere; }
        .tool { font-weight: 600; } .exit { font-size: 12px; } .exit.ok { color: #1f7a4d; } .exit.fail { color: #a62424; }
        .observation pre { background: #fff; }
        .gone { color: var(--muted); font-family: ui-monospace, monospace; }
        .helped { color: #1f7a4d; font-weight: 600; } .unhelpful { color: #a62424; font-weight: 600; }
        form.filters { display: flex; flex-wrap: wrap; gap: .5em 1em; align-items: center; margin: .5em 0 1em; }
        form.filters input[type=search] { flex: 1 1 24em; padding: .45em .6em; font-size: 15px; border: 1px solid #c3cad6; border-radius: 4px; }
        form.filters label { color: var(--muted); font-size: 13px; }
        form.filters select { max-width: 16em; font-size: 14px; }
        .count { color: var(--muted); }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: .35em .5em; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { font-size: 13px; color: var(--muted); font-weight: 600; }
        table.memories td:nth-child(2) { width: 45%; overflow-wrap: anywhere; }
        table.memories td:nth-child(3), table.memories td:nth-child(4), table.memories td:nth-child(5) { max-width: 12em; overflow-wrap: anywhere; }
        table.memories td:first-child, table.memories td:nth-child(6), table.memories td:nth-child(7) { white-space: nowrap; }
        table.counts { table-layout: fixed; }
        table.counts td:first-child { width: 55%; overflow-wrap: anywhere; }
        table.counts td.n { text-align: right; font-variant-numeric: tabular-nums; width: 5em; }
        table.counts meter { width: 100%; }
        .columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(22em, 1fr)); gap: 0 2em; }
        .columns > section { min-width: 0; }
        figure.analysis img { max-width: 100%; border: 1px solid var(--line); background: #fff; }
        button { font-size: 14px; }

        """

    /// The index's filter and search. It builds every row with DOM text nodes (`textContent`),
    /// never with markup, so no text from a memory is ever parsed as HTML. The filter state lives
    /// in the URL's fragment (`#kind=insight&domain=python&q=tests`), so a filtered view can be
    /// linked to, and pages link to the index already filtered.
    static let script = """
        (function () {
          "use strict";
          var data = window.MNEM_INDEX;
          if (!data || !data.rows) { return; }
          var FACETS = ["kind", "domain", "agent", "model", "outcome"];
          var PAGE = 200;
          var rows = data.rows;
          var shown = PAGE;
          var haystacks = null;
          var tbody = document.getElementById("rows");
          var count = document.getElementById("count");
          var more = document.getElementById("more");
          var search = document.getElementById("q");
          var form = document.getElementById("filters");
          var selects = FACETS.map(function (f) { return document.getElementById("f-" + f); });
          var positions = FACETS.map(function (f) {
            var map = new Map();
            data.facets[f].forEach(function (value, i) { map.set(value, i); });
            return map;
          });

          // Each facet's values with their counts, the commonest first (kind and outcome keep their order).
          FACETS.forEach(function (facet, i) {
            var values = data.facets[facet];
            var counts = new Array(values.length).fill(0);
            var none = 0;
            for (var r = 0; r < rows.length; r++) {
              var v = rows[r][i + 1];
              if (v < 0) { none++; } else { counts[v]++; }
            }
            var order = values.map(function (_, j) { return j; });
            if (facet !== "kind" && facet !== "outcome") {
              order.sort(function (a, b) { return counts[b] - counts[a] || (values[a] < values[b] ? -1 : 1); });
            }
            order.forEach(function (j) {
              if (counts[j] === 0) { return; }
              var option = document.createElement("option");
              option.value = values[j];
              option.textContent = values[j] + " (" + counts[j] + ")";
              selects[i].appendChild(option);
            });
            if (none > 0) {
              var option = document.createElement("option");
              option.value = "-";
              option.textContent = "(none) (" + none + ")";
              selects[i].appendChild(option);
            }
          });

          function haystack(r) {
            if (!haystacks) { haystacks = new Array(rows.length); }
            var h = haystacks[r];
            if (h === undefined) {
              var row = rows[r];
              h = row[0] + " " + row[6] + " " + row[7];
              for (var i = 0; i < FACETS.length; i++) {
                if (row[i + 1] >= 0) { h += " " + data.facets[FACETS[i]][row[i + 1]]; }
              }
              h = h.toLowerCase();
              haystacks[r] = h;
            }
            return h;
          }

          function readHash() {
            var state = { q: "" };
            var hash = location.hash.replace(/^#/, "");
            if (!hash) { return state; }
            hash.split("&").forEach(function (part) {
              var eq = part.indexOf("=");
              if (eq < 0) { return; }
              try {
                state[decodeURIComponent(part.slice(0, eq))] = decodeURIComponent(part.slice(eq + 1).replace(/\\+/g, " "));
              } catch (e) { /* a malformed fragment is ignored */ }
            });
            return state;
          }

          function writeHash() {
            var parts = [];
            FACETS.forEach(function (f, i) { if (selects[i].value) { parts.push(f + "=" + encodeURIComponent(selects[i].value)); } });
            if (search.value.trim()) { parts.push("q=" + encodeURIComponent(search.value.trim())); }
            var hash = parts.length ? "#" + parts.join("&") : "";
            if (hash !== location.hash) { history.replaceState(null, "", hash || location.pathname + location.search); }
          }

          function applyState(state) {
            FACETS.forEach(function (f, i) {
              var wanted = state[f] || "";
              // A value no memory has (a link from an older export) is kept, and matches nothing.
              if (!Array.prototype.some.call(selects[i].options, function (o) { return o.value === wanted; })) {
                var option = document.createElement("option");
                option.value = wanted;
                option.textContent = (wanted === "-" ? "(none)" : wanted) + " (0)";
                selects[i].appendChild(option);
              }
              selects[i].value = wanted;
            });
            search.value = state.q || "";
          }

          function link(id) {
            return /^[0-9a-f]{40}$/.test(id) ? "m/" + id.slice(0, 2) + "/" + id + ".html" : "#";
          }

          function cell(tr, text, className) {
            var td = document.createElement("td");
            if (className) {
              var span = document.createElement("span");
              span.className = className;
              span.textContent = text;
              td.appendChild(span);
            } else {
              td.textContent = text;
            }
            tr.appendChild(td);
            return td;
          }

          function render() {
            var wanted = FACETS.map(function (f, i) {
              var v = selects[i].value;
              if (v === "") { return null; }
              if (v === "-") { return -1; }
              return positions[i].has(v) ? positions[i].get(v) : -2;
            });
            var tokens = search.value.toLowerCase().split(/\\s+/).filter(Boolean);
            var matches = [];
            for (var r = 0; r < rows.length; r++) {
              var row = rows[r];
              var ok = true;
              for (var i = 0; i < FACETS.length && ok; i++) {
                if (wanted[i] !== null && row[i + 1] !== wanted[i]) { ok = false; }
              }
              if (ok && tokens.length) {
                var h = haystack(r);
                for (var t = 0; t < tokens.length && ok; t++) { if (h.indexOf(tokens[t]) < 0) { ok = false; } }
              }
              if (ok) { matches.push(r); }
            }
            var fragment = document.createDocumentFragment();
            matches.slice(0, shown).forEach(function (r) {
              var row = rows[r];
              var tr = document.createElement("tr");
              var kind = data.facets.kind[row[1]];
              cell(tr, kind, "kind " + kind);
              var td = document.createElement("td");
              var a = document.createElement("a");
              a.href = link(row[0]);
              a.textContent = row[6] || row[0].slice(0, 12);
              td.appendChild(a);
              tr.appendChild(td);
              cell(tr, data.facets.domain[row[2]]);
              cell(tr, row[3] >= 0 ? data.facets.agent[row[3]] : "\\u2014");
              cell(tr, row[4] >= 0 ? data.facets.model[row[4]] : "\\u2014");
              var outcome = data.facets.outcome[row[5]];
              cell(tr, outcome, "outcome " + outcome);
              cell(tr, row[8] === null || row[8] === undefined ? "" : (row[8] > 0 ? "+" + row[8] : String(row[8])));
              fragment.appendChild(tr);
            });
            tbody.textContent = "";
            tbody.appendChild(fragment);
            var total = rows.length;
            var text = matches.length === total ? total + (total === 1 ? " memory" : " memories")
                                                : matches.length + " of " + total + " memories";
            if (matches.length > shown) { text += " (showing the first " + shown + ")"; }
            count.textContent = text;
            more.hidden = matches.length <= shown;
          }

          var timer = null;
          function changed() {
            shown = PAGE;
            writeHash();
            render();
          }
          search.addEventListener("input", function () {
            clearTimeout(timer);
            timer = setTimeout(changed, 120);
          });
          selects.forEach(function (s) { s.addEventListener("change", changed); });
          form.addEventListener("submit", function (e) { e.preventDefault(); changed(); });
          form.addEventListener("reset", function () { setTimeout(changed, 0); });
          more.addEventListener("click", function () { shown += PAGE * 5; render(); });
          window.addEventListener("hashchange", function () { applyState(readHash()); shown = PAGE; render(); });
          applyState(readHash());
          render();
        })();

        """
}
