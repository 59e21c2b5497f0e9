"""The job page's script (static/js/job.js) folding live events into the bar, run in node.

A candidate event carries the job's progress (ranking.runner.ProgressReporter:
one event per finished candidate, no progress event after it), so the page
must take the token count and the finished count from it.
"""

import json
import shutil
import subprocess
from pathlib import Path

from tests.prerequisites import need

JOB_JS = Path(__file__).resolve().parents[1] / "static" / "js" / "job.js"

# Just enough of a page and a browser for job.js: elements that take what is
# written to them, a socket whose messages the harness delivers by hand.
HARNESS = r"""
const fs = require("fs");
const [source, table, events] = process.argv.slice(1);
function element(extra) {
  const el = Object.assign({
    textContent: "", className: "", hidden: false, dataset: {}, style: {}, children: [],
    classList: { toggle() {}, add() {} },
    setAttribute() {}, removeAttribute() {},
    querySelector() { return element(); },
    insertBefore(child) { this.children.push(child); },
    cloneNode() { return element(); },
  }, extra || {});
  el.firstElementChild = el.firstElementChild || { style: {} };
  return el;
}
const live = element({
  querySelector(selector) {
    const index = (selector.match(/data-candidate="(\d+)"/) || [])[1];
    return this.children.find((c) => c.dataset.candidate === index) || null;
  },
});
const json = (value) => element({ textContent: JSON.stringify(value) });
const page = {
  job: element({ dataset: { count: "3", wsPath: "/ws/jobs/1/", apiUrl: "/api/jobs/1/" } }),
  "stage-table": element({ textContent: table }),
  "initial-progress": json({ status: "running", stage: "generating", tokens: 0, candidates_done: 0 }),
  "candidate-urls": json(["/c/0", "/c/1", "/c/2"]),
  "live-candidates": live,
  "candidate-template": element({ content: { firstElementChild: element() } }),
};
const elements = {};
global.document = {
  getElementById(id) { return page[id] || (elements[id] = elements[id] || element()); },
  querySelectorAll() { return []; },
};
global.window = { DiagramSite: { reconnectDelay() { return 1; } } };
global.location = { protocol: "http:", host: "testserver" };
const sockets = [];
global.WebSocket = class {
  constructor(url) { this.url = url; this.listeners = {}; sockets.push(this); }
  addEventListener(kind, fn) { this.listeners[kind] = fn; }
  close() {}
};
eval(fs.readFileSync(source, "utf8"));
const seen = [];
for (const message of JSON.parse(events)) {
  sockets[0].listeners.message({ data: JSON.stringify(message) });
  seen.push({
    tokens: elements.tokens.textContent,
    finished: elements["candidates-done"].textContent,
    cards: live.children.length,
  });
}
console.log(JSON.stringify(seen));
process.exit(0); // the page's timers would keep node running
"""


def run_harness(harness: str, script: list) -> list:
    """Run job.js under `harness` with `script` (events or actions); return what it prints."""
    from ranking.presenters import stage_table

    node = shutil.which("node")
    need(node is not None, "node is missing (apt-get install nodejs)")
    done = subprocess.run(
        [node, "-e", harness, str(JOB_JS), json.dumps(stage_table()), json.dumps(script)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def run_page(events: list[dict]) -> list[dict]:
    """Deliver `events` to job.js's socket one by one; return what the page shows after each."""
    return run_harness(HARNESS, events)


def test_a_candidate_event_moves_the_token_and_finished_counts():
    progress = {"type": "progress", "stage": "generating", "progress": {"tokens": [4, 2, 0]}}
    candidate = {
        "type": "candidate",
        "stage": "generating",
        "index": 0,
        "node_list": "[1, 1, 1]",
        "plan": "net 3 2",
        "structure_rank": 0,
        "progress": {"tokens": [30, 12, 5], "finished": 2, "count": 3},
        "job": 1,
    }
    shown = run_page([progress, candidate])
    assert shown[0] == {"tokens": "6", "finished": "0", "cards": 0}
    # The counts come with the candidate: no progress event follows it.
    assert shown[1] == {"tokens": "47", "finished": "2", "cards": 1}


# The same page, with a clock the harness moves and a fetch that records what is asked.
QUIET_HARNESS = (
    HARNESS.split("eval(fs.readFileSync")[0]
    + r"""
let now = 1000000;
Date.now = () => now;
const intervals = [];
global.setInterval = (fn, ms) => { intervals.push(fn); return intervals.length; };
global.clearInterval = () => {};
global.setTimeout = () => 0;
global.clearTimeout = () => {};
const asked = [];
global.fetch = async (url) => {
  asked.push(url);
  return { ok: true, json: async () => ({ status: "running", stage: "generating" }) };
};
eval(fs.readFileSync(source, "utf8"));
for (const [action, value] of JSON.parse(events)) {
  if (action === "open") sockets[0].listeners.open();
  if (action === "message") sockets[0].listeners.message({ data: JSON.stringify(value) });
  if (action === "wait") {
    // Run the page's timers every second of the wait, as a browser would.
    for (let t = 0; t < value; t += 1000) { now += 1000; intervals.forEach((fn) => fn()); }
  }
}
console.log(JSON.stringify(asked));
process.exit(0);
"""
)


def asked_by_page(actions: list) -> list[str]:
    """Play `actions` on job.js's socket and clock; return the URLs the page fetched."""
    return run_harness(QUIET_HARNESS, actions)


def test_a_quiet_open_socket_makes_the_page_ask_the_api():
    # Events published while a web process is cut off from Redis are lost (pub/sub):
    # an open socket that hears nothing for 20 s must not leave the page waiting.
    assert asked_by_page([["open"], ["wait", 19000]]) == []
    assert asked_by_page([["open"], ["wait", 21000]]) == ["/api/jobs/1/"]
    # At most one request per quiet period.
    assert asked_by_page([["open"], ["wait", 41000]]) == ["/api/jobs/1/"] * 2


def test_a_socket_that_keeps_talking_is_not_polled():
    tick = {"type": "progress", "stage": "generating", "progress": {"tokens": [1, 0, 0]}}
    actions = [["open"]] + [
        step for _ in range(10) for step in (["wait", 10000], ["message", tick])
    ]
    assert asked_by_page(actions) == []
