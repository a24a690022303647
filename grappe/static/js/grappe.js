// Grappe's small site script. No inline scripts anywhere (strict CSP).
document.addEventListener("DOMContentLoaded", () => {
  // Confirm buttons that carry data-confirm="…".
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (event) => {
      if (!window.confirm(el.dataset.confirm)) event.preventDefault();
    });
  });
});

// Live countdowns to call deadlines: <span class="countdown" data-deadline="<unix seconds>">.
function renderCountdowns() {
  const now = Date.now() / 1000;
  document.querySelectorAll(".countdown[data-deadline]").forEach((el) => {
    const left = Math.floor(Number(el.dataset.deadline) - now);
    const [d, h, m, s] = (el.dataset.units || "d|h|min|s").split("|");
    if (left <= 0) {
      el.textContent = el.dataset.closed || "closed";
      el.classList.add("countdown-closed");
      return;
    }
    const days = Math.floor(left / 86400);
    const hours = Math.floor((left % 86400) / 3600);
    const minutes = Math.floor((left % 3600) / 60);
    const parts = days > 0 ? [`${days} ${d}`, `${hours} ${h}`, `${minutes} ${m}`]
      : [`${hours} ${h}`, `${minutes} ${m}`, `${left % 60} ${s}`];
    el.textContent = parts.join(" ");
    el.classList.toggle("countdown-soon", left < 86400);
  });
}
document.addEventListener("DOMContentLoaded", () => {
  if (document.querySelector(".countdown[data-deadline]")) {
    renderCountdowns();
    setInterval(renderCountdowns, 1000);
  }
});

// Files larger than the upload limit are refused before sending: <input type="file" data-max-bytes="…">.
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.dataset.maxBytes) return;
  const tooLarge = Array.from(input.files || []).some((file) => file.size > Number(input.dataset.maxBytes));
  input.setCustomValidity(tooLarge ? input.dataset.tooLarge || "Too large" : "");
  if (tooLarge) input.reportValidity();
});
