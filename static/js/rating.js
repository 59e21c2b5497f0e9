/* Star ratings in place: a change saves through PUT /api/diagrams/<id>/rating/, Clear sends DELETE.
   Event delegation, so cards added later by job.js work too. Without JS the form posts to the page route. */
(function () {
  "use strict";

  function paint(form, value) {
    form.querySelectorAll("label").forEach(function (label) {
      const input = document.getElementById(label.htmlFor);
      const v = parseInt(input.value, 10);
      const on = value !== null && (v === 0 ? value === 0 : v <= value);
      label.classList.toggle("on", on);
    });
  }

  function saved(form) {
    const raw = form.dataset.score;
    return raw === "" || raw === undefined ? null : parseInt(raw, 10);
  }

  function status(form, text, kind) {
    const el = form.querySelector(".rating-status");
    el.textContent = text;
    el.classList.remove("saved", "error");
    if (kind) el.classList.add(kind);
  }

  function setSaved(form, value) {
    form.dataset.score = value === null ? "" : String(value);
    form.querySelectorAll("input[type=radio]").forEach(function (input) {
      input.checked = value !== null && parseInt(input.value, 10) === value;
    });
    const clear = form.querySelector(".clear-button");
    if (clear) clear.hidden = value === null;
    paint(form, value);
  }

  // One request per widget at a time: arrow keys can change the value faster than the server
  // answers, and two PUTs in flight could land in either order. The latest wish is sent last.
  const pending = new WeakMap();

  function save(form, value) {
    const entry = pending.get(form);
    if (entry) {
      entry.next = value;
      setSaved(form, value);
      return;
    }
    pending.set(form, { next: undefined, confirmed: saved(form) });
    send(form, value);
  }

  async function send(form, value) {
    const entry = pending.get(form);
    setSaved(form, value);
    status(form, "Saving…", null);
    let ok = true;
    let message = "";
    try {
      const result = value === null
        ? await window.DiagramSite.api("DELETE", form.dataset.api)
        : await window.DiagramSite.api("PUT", form.dataset.api, { score: value });
      if (!result.ok) {
        ok = false;
        message = window.DiagramSite.errorText(result.data, "Could not save (HTTP " + result.status + ")");
      }
    } catch (error) {
      ok = false;
      message = "Could not save: check your connection and try again";
    }
    if (ok) entry.confirmed = value;
    if (entry.next !== undefined && entry.next !== value) {
      const next = entry.next;
      entry.next = undefined;
      send(form, next);
      return;
    }
    pending.delete(form);
    if (ok) {
      status(form, value === null ? "Cleared" : "Saved: " + value + "/5", "saved");
    } else {
      setSaved(form, entry.confirmed);
      status(form, message, "error");
    }
  }

  function formOf(element) {
    return element.closest ? element.closest("form.rating") : null;
  }

  document.addEventListener("change", function (event) {
    const form = formOf(event.target);
    if (form && event.target.type === "radio") save(form, parseInt(event.target.value, 10));
  });
  document.addEventListener("submit", function (event) {
    const form = formOf(event.target);
    if (!form) return;
    event.preventDefault();
    if (event.submitter && event.submitter.name === "clear") {
      save(form, null);
    } else {
      const checked = form.querySelector("input[type=radio]:checked");
      if (checked) save(form, parseInt(checked.value, 10));
    }
  });
  // Hover previews the value; leaving restores the saved one.
  document.addEventListener("mouseover", function (event) {
    const form = formOf(event.target);
    if (!form || event.target.tagName !== "LABEL") return;
    paint(form, parseInt(document.getElementById(event.target.htmlFor).value, 10));
  });
  document.addEventListener("mouseout", function (event) {
    const form = formOf(event.target);
    if (form && event.target.tagName === "LABEL") paint(form, saved(form));
  });

  window.DiagramSite = window.DiagramSite || {};
  window.DiagramSite.initRatings = function (root) {
    (root || document).querySelectorAll("form.rating").forEach(function (form) { paint(form, saved(form)); });
  };
  window.DiagramSite.initRatings(document);
})();
