/* DiagramSite: small helpers shared by the page scripts (no framework, no build step). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  /** Return the value of a cookie, or "" when it is not set. */
  function cookie(name) {
    const match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  /** Return the CSRF token: from a form on the page first (works with CSRF_COOKIE_HTTPONLY), else the cookie. */
  function csrfToken() {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : cookie("csrftoken");
  }

  /** Send a JSON request with the session's CSRF token; resolve to {ok, status, data}. */
  async function api(method, url, body) {
    const options = {
      method: method,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() },
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(url, options);
    let data = null;
    if (response.status !== 204) {
      try { data = await response.json(); } catch (e) { data = null; }
    }
    return { ok: response.ok, status: response.status, data: data };
  }

  /** Return the first error message in a DRF error body, or a fallback. */
  function errorText(data, fallback) {
    if (!data) return fallback;
    if (typeof data.detail === "string") return data.detail;
    for (const key of Object.keys(data)) {
      const value = data[key];
      if (Array.isArray(value) && value.length) return String(value[0]);
      if (typeof value === "string") return value;
    }
    return fallback;
  }

  /**
   * Return the seconds to wait before reconnect attempt `failures` (1, 2, ...): a random point in the
   * upper half of 1, 2, 4 ... capped at `cap` seconds. The randomness spreads tabs that lost their
   * sockets together (a server restart, a burst of refused handshakes) so they do not all come back
   * in the same second and refuse each other again.
   */
  function reconnectDelay(failures, cap, random) {
    const ceiling = Math.min(cap, Math.pow(2, Math.max(failures, 1) - 1));
    return ceiling / 2 + (random || Math.random)() * ceiling / 2;
  }

  window.DiagramSite = { api: api, csrfToken: csrfToken, errorText: errorText, reconnectDelay: reconnectDelay };

  // Progress bars are drawn from their aria-valuenow: the Content-Security-Policy
  // forbids inline style attributes, a script may still set the width.
  for (const bar of document.querySelectorAll(".bar[aria-valuenow] > span")) {
    bar.style.width = Number(bar.parentElement.getAttribute("aria-valuenow")) + "%";
  }
})();
