/* Job page: live progress over the websocket /ws/jobs/<id>/, candidates as they finish, results when done.
   On (re)connect the server sends {"type": "state", ...} with everything so far, so a reload or a dropped
   connection misses nothing; reconnects back off 1 s, 2 s, 4 s ... up to 30 s, each drawn at random from
   the upper half of that step so that many tabs do not retry in step. */
(function () {
  "use strict";
  const root = document.getElementById("job");
  if (!root) return;

  // The stage table of ranking/presenters.py, sent with the page: one definition, so the
  // bar does not jump when live events take over.
  const TABLE = JSON.parse(document.getElementById("stage-table").textContent);
  const SPAN = TABLE.span;
  const LABELS = TABLE.labels;
  const EXPECTED_TOKENS_PER_CANDIDATE = TABLE.expected_tokens_per_candidate;
  const MAX_BACKOFF_S = 30;
  const POLL_AFTER_FAILURES = 3;
  // An open socket can still miss events: the scale-out runtime's Redis pub/sub layer drops
  // what is published while a web process is cut off from Redis. After this long without a
  // message the page asks the API, so a finished job never waits on a quiet socket.
  const QUIET_POLL_MS = 20000;
  const QUIET_CHECK_MS = 5000;
  // The consumer's own close codes (ranking/consumers.py): retrying cannot help with these.
  const CLOSE_ANONYMOUS = 4401;
  const CLOSE_NOT_FOUND = 4404;

  const count = parseInt(root.dataset.count, 10);
  const apiUrl = root.dataset.apiUrl;
  const el = {
    status: document.getElementById("job-status"),
    progress: document.getElementById("progress"),
    bar: document.getElementById("progress-bar"),
    stage: document.getElementById("stage-label"),
    tokens: document.getElementById("tokens"),
    done: document.getElementById("candidates-done"),
    conn: document.getElementById("conn-status"),
    live: document.getElementById("live-candidates"),
    template: document.getElementById("candidate-template"),
    error: document.getElementById("job-error"),
    results: document.getElementById("results-slot"),
  };
  const initial = JSON.parse(document.getElementById("initial-progress").textContent);
  // One URL per candidate slot, made by the server with {% url %}.
  const candidateUrls = JSON.parse(document.getElementById("candidate-urls").textContent);
  // Screen readers hear the stage when it changes, not every token count.
  const announcer = document.getElementById("stage-announcer");
  let announced = initial.stage;
  const state = {
    status: initial.status, stage: initial.stage, tokens: initial.tokens,
    finished: initial.candidates_done,
  };
  let socket = null;
  let failures = 0;
  let stopped = false;
  let retryTimer = null;
  let countdown = null;
  let open = false;
  let lastHeard = Date.now();
  let quietWatch = null;

  function tokenTotal(tokens) {
    if (Array.isArray(tokens)) return tokens.reduce(function (a, t) { return a + (Number(t) || 0); }, 0);
    return Number(tokens) || 0;
  }

  function percent() {
    const span = SPAN[state.stage] || SPAN.queued;
    let within = 0;
    if (state.stage === "generating") {
      within = Math.max(state.finished / count, Math.min(state.tokens / (count * EXPECTED_TOKENS_PER_CANDIDATE), 0.95));
    } else if (state.stage === "laying_out") {
      within = state.finished / count;
    }
    return Math.round(span[0] + (span[1] - span[0]) * Math.min(Math.max(within, 0), 1));
  }

  function render() {
    const value = percent();
    el.bar.setAttribute("aria-valuenow", String(value));
    el.bar.setAttribute("aria-valuetext", (LABELS[state.stage] || state.stage) + ", " + value + "%");
    el.bar.firstElementChild.style.width = value + "%";
    el.bar.classList.toggle("indeterminate", state.stage === "loading_model" || state.stage === "queued");
    el.stage.textContent = LABELS[state.stage] || state.stage;
    if (announcer && state.stage !== announced) {
      announced = state.stage;
      announcer.textContent = "Stage: " + (LABELS[state.stage] || state.stage);
    }
    el.tokens.textContent = String(state.tokens);
    el.done.textContent = String(Math.min(state.finished, count));
    const order = Object.keys(LABELS);
    const current = order.indexOf(state.stage);
    document.querySelectorAll("#stages li").forEach(function (li) {
      const index = order.indexOf(li.dataset.stage);
      li.classList.toggle("done", index < current);
      li.classList.toggle("current", index === current);
      if (index === current) li.setAttribute("aria-current", "step"); else li.removeAttribute("aria-current");
    });
    el.status.className = "badge " + state.status;
    el.status.textContent = state.status.charAt(0).toUpperCase() + state.status.slice(1);
  }

  function connection(text, kind) {
    el.conn.textContent = text;
    el.conn.className = "conn " + kind;
  }

  function candidateSource(index, svg) {
    // The candidate event carries the SVG itself; a reload's state may not, so fall back to the page route.
    if (typeof svg === "string" && svg.trim().startsWith("<svg")) {
      return URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
    }
    return candidateUrls[index] || "";
  }

  /** The plan's structure lines, as ranking.models.plan_structure gives them: no style line. */
  function planStructure(plan) {
    if (typeof plan !== "string") return "";
    return plan.trim().split("\n").filter(function (line) {
      return !line.trim().startsWith("style:");
    }).join("\n").trim();
  }

  function addCandidate(index, svg, plan, structureRank) {
    if (!el.template || el.live.querySelector('[data-candidate="' + index + '"]')) return;
    const card = el.template.content.firstElementChild.cloneNode(true);
    card.dataset.candidate = String(index);
    card.querySelector(".number").textContent = String(index + 1);
    const img = card.querySelector("img");
    img.src = candidateSource(index, svg);
    img.alt = "Candidate " + (index + 1) + " (preview)";
    // What the model understood; textContent, never innerHTML: the plan copies the user's words.
    const structure = planStructure(plan);
    const details = card.querySelector(".plan");
    if (details && structure) {
      details.querySelector(".plan-text").textContent = structure;
      details.hidden = false;
    }
    const alternative = card.querySelector(".badge.alternative");
    if (alternative) alternative.hidden = !(Number(structureRank) > 0);
    // Keep candidates in order even when they arrive out of order.
    const later = Array.prototype.find.call(el.live.children, function (c) { return Number(c.dataset.candidate) > index; });
    el.live.insertBefore(card, later || null);
  }

  /** Fold an event or a state snapshot into `state`; the progress is nested under `progress`. */
  function merge(message) {
    const p = Object.assign({}, message, (message.progress && typeof message.progress === "object") ? message.progress : {});
    if (typeof message.status === "string") state.status = message.status;
    if (typeof message.stage === "string" && SPAN[message.stage]) state.stage = message.stage;
    if (p.tokens !== undefined) state.tokens = tokenTotal(p.tokens);
    if (Array.isArray(p.candidates)) {
      if (p.candidates.length === 0 && state.stage === "queued") {
        // The job was re-queued after its worker stopped: it starts over.
        el.live.innerHTML = "";
        state.finished = 0;
      }
      p.candidates.forEach(function (c, i) {
        if (c) addCandidate(typeof c.index === "number" ? c.index : i, c.svg, c.plan, c.structure_rank);
      });
    }
    if (typeof p.finished === "number") state.finished = p.finished;
    if (typeof p.requeued === "string" && p.requeued && state.stage === "queued") {
      connection("Live · the worker stopped, your job is queued again", "retrying");
    }
  }

  function stop() {
    stopped = true;
    clearTimeout(retryTimer);
    clearInterval(countdown);
    clearInterval(quietWatch);
    if (socket) socket.close();
  }

  async function showResults(attempt) {
    stop();
    state.status = "done"; state.stage = "done"; state.finished = count;
    render();
    connection("Finished", "closed");
    const response = await fetch(root.dataset.resultsUrl, { credentials: "same-origin" });
    if (response.status === 204 && (attempt || 0) < 10) {
      // The done event can overtake the commit that marks the job done; ask again shortly.
      setTimeout(function () { showResults((attempt || 0) + 1); }, 500);
      return;
    }
    if (!response.ok) { location.reload(); return; }
    el.results.innerHTML = await response.text();
    el.progress.hidden = true;
    if (window.DiagramSite.initRatings) window.DiagramSite.initRatings(el.results);
    const title = document.getElementById("results-title");
    if (title) { title.tabIndex = -1; title.focus({ preventScroll: true }); }
  }

  function showFailure(reason) {
    stop();
    state.status = "failed"; state.stage = "failed";
    render();
    el.progress.hidden = true;
    el.error.innerHTML = "";
    const box = document.createElement("div");
    box.className = "alert error";
    const heading = document.createElement("h2");
    heading.textContent = "This job failed";
    const text = document.createElement("p");
    text.textContent = reason || "No reason was recorded.";
    box.append(heading, text);
    el.error.append(box);
  }

  function handle(message) {
    switch (message.type) {
      case "state":
      case "progress":
        merge(message);
        render();
        if (state.status === "done") showResults();
        else if (state.status === "failed") showFailure(message.error);
        break;
      case "candidate":
        // Carries the progress too (tokens, finished count): no progress event follows it.
        merge(message);
        if (typeof message.index === "number") {
          addCandidate(message.index, message.svg, message.plan, message.structure_rank);
          state.finished = Math.max(state.finished, el.live.children.length);
        }
        render();
        break;
      case "done":
        showResults();
        break;
      case "error":
        // A failed job says status "failed"; anything else is about this connection, which then
        // closes and is retried (the job itself may be fine).
        if (message.status === "failed") showFailure(message.error);
        else connection(message.error || "Connection error", "retrying");
        break;
      default:
        break;
    }
  }

  /** Ask the REST API for the job (used when the websocket keeps failing, e.g. behind a proxy). */
  async function poll() {
    try {
      const response = await fetch(apiUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const job = await response.json();
      merge(job);
      render();
      if (job.status === "done") showResults();
      else if (job.status === "failed") showFailure(job.error);
    } catch (e) { /* offline: the next retry tries again */ }
  }

  function scheduleReconnect() {
    failures += 1;
    const delay = window.DiagramSite.reconnectDelay(failures, MAX_BACKOFF_S);
    const due = Date.now() + delay * 1000;
    function show() {
      const left = Math.max(1, Math.ceil((due - Date.now()) / 1000));
      connection("Connection lost, reconnecting in " + left + " s…", "retrying");
    }
    show();
    if (failures >= POLL_AFTER_FAILURES) poll();
    clearTimeout(retryTimer);
    clearInterval(countdown);
    countdown = setInterval(show, 1000);
    retryTimer = setTimeout(function () {
      clearInterval(countdown);
      if (!stopped) connect();
    }, delay * 1000);
  }

  function connect() {
    if (stopped) return;
    connection("Connecting…", "retrying");
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.wsPath);
    socket.addEventListener("open", function () {
      failures = 0;
      open = true;
      lastHeard = Date.now();
      connection("Live", "live");
    });
    socket.addEventListener("message", function (event) {
      lastHeard = Date.now();
      let message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      handle(message);
    });
    socket.addEventListener("close", function (event) {
      socket = null;
      open = false;
      if (stopped) return;
      if (event.code === CLOSE_ANONYMOUS) {
        stop();
        connection("Your session ended: log in again to follow this job", "closed");
      } else if (event.code === CLOSE_NOT_FOUND) {
        stop();
        connection("This job is not available", "closed");
      } else {
        scheduleReconnect();
      }
    });
  }

  window.DiagramSite.jobState = state; // for debugging in the console
  render();
  function watchQuietSocket() {
    if (stopped || !open || Date.now() - lastHeard < QUIET_POLL_MS) return;
    lastHeard = Date.now(); // at most one request per quiet period
    poll();
  }

  if (state.status === "queued" || state.status === "running") {
    connect();
    quietWatch = setInterval(watchQuietSocket, QUIET_CHECK_MS);
  } else connection("Finished", "closed");
})();
