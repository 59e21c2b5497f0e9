"""The job page's reconnect backoff (`DiagramSite.reconnectDelay` in static/js/site.js), run in node.

Many tabs lose their sockets at once (a restart, a burst of refused
handshakes); if they all retried on the same 1, 2, 4 ... s steps they would
arrive together again. Each delay is drawn from the upper half of its step.
"""

import json
import shutil
import subprocess
from pathlib import Path

from tests.prerequisites import need

SITE_JS = Path(__file__).resolve().parents[1] / "static" / "js" / "site.js"

# site.js only needs a page to decorate: a stub one is enough to load it.
HARNESS = """
const fs = require("fs");
global.window = {};
global.document = {
  cookie: "",
  documentElement: { classList: { add() {} } },
  querySelectorAll() { return []; },
};
eval(fs.readFileSync(process.argv[1], "utf8"));
const delay = window.DiagramSite.reconnectDelay;
const steps = [1, 2, 3, 4, 5, 6, 7, 12];
const drawn = [];
for (let i = 0; i < 500; i++) drawn.push(delay(3, 30));
console.log(JSON.stringify({
  lowest: steps.map((n) => delay(n, 30, () => 0)),
  highest: steps.map((n) => delay(n, 30, () => 0.999999)),
  drawn: drawn,
}));
"""


def run_harness() -> dict:
    node = shutil.which("node")
    need(node is not None, "node is missing (apt-get install nodejs)")
    done = subprocess.run(
        [node, "-e", HARNESS, str(SITE_JS)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_reconnect_delays_double_up_to_the_cap_with_a_random_upper_half():
    out = run_harness()
    assert out["lowest"] == [0.5, 1, 2, 4, 8, 15, 15, 15]
    assert [round(x, 3) for x in out["highest"]] == [1, 2, 4, 8, 16, 30, 30, 30]


def test_tabs_failing_together_spread_their_retries():
    drawn = run_harness()["drawn"]
    assert all(2 <= d <= 4 for d in drawn)
    # 500 tabs on their third try: not one instant but spread over the 2 s window.
    assert len({round(d, 2) for d in drawn}) > 100
    assert min(drawn) < 2.5 and max(drawn) > 3.5
