/* Plan editor on the diagram page: line numbers, a live preview that follows typing (POST /api/preview/,
   debounced, nothing stored), style controls that rewrite the `style:` line, and Save (POST
   /api/diagrams/<id>/revisions/) that opens the new diagram. Without JS the form posts to the page route. */
(function () {
  "use strict";
  const form = document.getElementById("editor-form");
  if (!form) return;
  const urls = JSON.parse(document.getElementById("editor-urls").textContent);
  const input = document.getElementById("plan-input");
  const gutter = document.getElementById("plan-gutter");
  const errors = document.getElementById("plan-errors");
  const preview = document.getElementById("plan-preview");
  const note = document.getElementById("preview-note");
  const save = document.getElementById("save-revision");
  const saveStatus = document.getElementById("save-status");
  const controls = form.querySelectorAll("select[data-style-key]");
  const DEBOUNCE_MS = 200;
  let timer = null;
  let sent = 0; // sequence number of the latest preview request; older answers are dropped
  let shownErrors = "";

  function lines() {
    return input.value.split("\n");
  }

  function paintGutter(badLines) {
    const count = Math.max(lines().length, 1);
    const bad = new Set(badLines || []);
    gutter.replaceChildren();
    for (let n = 1; n <= count; n++) {
      const span = document.createElement("span");
      span.textContent = String(n);
      if (bad.has(n)) span.className = "bad";
      gutter.appendChild(span);
      gutter.appendChild(document.createTextNode("\n"));
    }
    gutter.scrollTop = input.scrollTop;
  }

  function styleLineIndex(all) {
    for (let i = all.length - 1; i >= 0; i--) {
      if (all[i].trim() === "") continue;
      return all[i].trim().startsWith("style:") ? i : -1;
    }
    return -1;
  }

  // The text's style line -> the controls (typing in the plan moves the selects too).
  function syncControls() {
    const all = lines();
    const index = styleLineIndex(all);
    const words = index < 0 ? [] : all[index].trim().slice("style:".length).split(/\s+/);
    controls.forEach(function (select) {
      const values = Array.prototype.map.call(select.options, function (o) { return o.value; });
      const found = words.find(function (w) { return values.includes(w); });
      select.value = found || values[0];
    });
  }

  // The controls -> a rewritten style line (the only line they touch).
  function writeStyleLine() {
    const words = Array.prototype.map.call(controls, function (select) { return select.value; });
    const line = "style: " + words.join(" ");
    const all = lines();
    const index = styleLineIndex(all);
    if (index < 0) {
      while (all.length && all[all.length - 1].trim() === "") all.pop();
      all.push(line);
    } else {
      all[index] = line;
    }
    input.value = all.join("\n");
    paintGutter([]);
    schedule(0);
  }

  function showErrors(list) {
    const text = list.map(function (e) { return e.message; }).join("\n");
    input.setAttribute("aria-invalid", list.length ? "true" : "false");
    input.closest(".field").classList.toggle("has-error", list.length > 0);
    paintGutter(list.map(function (e) { return e.line; }).filter(Boolean));
    if (text === shownErrors) return; // the live region speaks only when something changed
    shownErrors = text;
    errors.replaceChildren();
    if (!list.length) return;
    const ul = document.createElement("ul");
    list.forEach(function (e) {
      const li = document.createElement("li");
      li.textContent = e.message;
      if (e.line) li.dataset.line = String(e.line);
      ul.appendChild(li);
    });
    errors.appendChild(ul);
  }

  async function refresh() {
    const mine = ++sent;
    let result;
    try {
      result = await window.DiagramSite.api("POST", urls.preview, { plan: input.value });
    } catch (error) {
      if (mine === sent) note.textContent = "Preview unavailable: check your connection.";
      return;
    }
    if (mine !== sent) return; // a newer edit is on its way
    if (result.ok && result.data && typeof result.data.svg === "string") {
      // The server's SVG escapes every label, so it is inserted as markup.
      preview.innerHTML = result.data.svg;
      preview.classList.remove("stale");
      preview.dataset.nodes = String(preview.querySelectorAll("g.node").length);
      note.textContent = "Preview of the plan above (not saved yet).";
      showErrors([]);
    } else if (result.status === 400 && result.data && Array.isArray(result.data.plan)) {
      preview.classList.add("stale");
      note.textContent = "Showing the last plan that worked; fix the error to update it.";
      showErrors(result.data.plan);
    } else {
      note.textContent = window.DiagramSite.errorText(result.data, "Preview failed (HTTP " + result.status + ")");
    }
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(refresh, delay === undefined ? DEBOUNCE_MS : delay);
  }

  input.addEventListener("input", function () {
    paintGutter([]);
    syncControls();
    schedule();
  });
  input.addEventListener("scroll", function () { gutter.scrollTop = input.scrollTop; });
  controls.forEach(function (select) { select.addEventListener("change", writeStyleLine); });

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    save.disabled = true;
    saveStatus.textContent = "Saving and scoring…";
    let result;
    try {
      result = await window.DiagramSite.api("POST", urls.revisions, { plan: input.value });
    } catch (error) {
      result = { ok: false, status: 0, data: null };
    }
    if (result.status === 201 && result.data && result.data.page_url) {
      saveStatus.textContent = "Saved as diagram #" + result.data.rank + ". Opening it…";
      window.location.assign(result.data.page_url);
      return;
    }
    save.disabled = false;
    if (result.status === 400 && result.data && Array.isArray(result.data.plan)) {
      showErrors(result.data.plan);
      saveStatus.textContent = "Not saved: " + result.data.plan[0].message;
      input.focus();
    } else {
      saveStatus.textContent = "Not saved: " + window.DiagramSite.errorText(
        result.data, result.status ? "HTTP " + result.status : "check your connection");
    }
  });
  window.addEventListener("pageshow", function () { save.disabled = false; });

  paintGutter(Array.prototype.map.call(errors.querySelectorAll("li[data-line]"), function (li) {
    return parseInt(li.dataset.line, 10);
  }).filter(Boolean));
})();
