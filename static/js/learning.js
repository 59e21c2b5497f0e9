// Follow the training run on the staff "Learn from users" page: step, loss and ETA
// every few seconds; reload when it ends so the new version and its report show.
(function () {
  const box = document.getElementById("run-progress");
  if (!box) return;
  const bar = document.getElementById("run-bar");
  const stage = document.getElementById("run-stage");
  const message = document.getElementById("run-message");
  const numbers = document.getElementById("run-numbers");
  async function poll() {
    const response = await fetch(box.dataset.statusUrl, { credentials: "same-origin" });
    if (!response.ok) return;
    const run = (await response.json()).run;
    if (!run || String(run.id) !== box.dataset.run || !["queued", "running"].includes(run.status)) {
      window.location.reload();
      return;
    }
    const p = run.progress || {};
    if (p.steps) bar.max = p.steps;
    bar.value = p.step || 0;
    if (stage.textContent !== (p.stage || run.status)) stage.textContent = p.stage || run.status;
    message.textContent = p.message || "";
    let text = p.steps ? `step ${p.step || 0} of ${p.steps}` : "training";
    if (p.loss !== undefined) text += `, loss ${p.loss}`;
    if (p.eta_seconds) text += `, about ${p.eta_seconds} s left`;
    numbers.textContent = text;
  }
  setInterval(() => poll().catch(() => {}), 3000);
})();
