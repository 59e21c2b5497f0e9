/* New diagram page: one-click example prompts, a live character count, recommend kept <= count. */
(function () {
  "use strict";
  const form = document.getElementById("new-job-form");
  if (!form) return;
  const prompt = form.querySelector("[name=prompt]");
  const count = form.querySelector("[name=count]");
  const recommend = form.querySelector("[name=recommend]");
  const counter = document.getElementById("prompt-counter");
  const limitStatus = document.getElementById("prompt-limit-status");
  let wasOver = false;
  const submit = document.getElementById("submit-job");
  const maxLength = parseInt(prompt.getAttribute("maxlength") || "0", 10);

  function updateCounter() {
    if (!counter) return;
    const length = prompt.value.length;
    counter.textContent = length + " / " + maxLength;
    const over = maxLength > 0 && length > maxLength;
    counter.classList.toggle("over", over);
    // Speak only when crossing the limit: a count read on every key is noise.
    if (limitStatus && over !== wasOver) {
      wasOver = over;
      limitStatus.textContent = over
        ? "Over the limit of " + maxLength + " characters"
        : "Back under the limit of " + maxLength + " characters";
    }
  }

  // The server validates too; this only stops the obvious mistake before a round trip.
  function clampRecommend() {
    const n = parseInt(count.value, 10);
    if (!Number.isFinite(n) || n < 1) return;
    recommend.max = String(Math.min(n, 10));
    const r = parseInt(recommend.value, 10);
    if (Number.isFinite(r) && r > n) recommend.value = String(n);
  }

  document.querySelectorAll(".suggestions [data-prompt]").forEach(function (chip) {
    chip.addEventListener("click", function (event) {
      event.preventDefault();
      prompt.value = chip.dataset.prompt;
      updateCounter();
      prompt.focus();
    });
  });
  prompt.addEventListener("input", updateCounter);
  count.addEventListener("input", clampRecommend);
  count.addEventListener("change", clampRecommend);
  form.addEventListener("submit", function () {
    // Avoid a double submit (each one would be a job); the page navigates away on success.
    submit.disabled = true;
    submit.textContent = "Submitting…";
  });
  window.addEventListener("pageshow", function () {
    submit.disabled = false;
    submit.textContent = "Generate diagrams";
  });
  updateCounter();
  clampRecommend();
})();
