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

// --- Forms people fill for an hour -------------------------------------------------------
const pageLang = () => document.documentElement.lang || "fr";
const euros = (value) =>
  new Intl.NumberFormat(pageLang(), { style: "currency", currency: "EUR" }).format(value);
const amountOf = (input) => {
  const value = Number(String(input.value).replace(/\s/g, "").replace(",", "."));
  return Number.isFinite(value) ? value : 0;
};

// Live totals of a grid of money cells: <table data-live-totals data-total-label="Total">.
// A total column, a total row, and the grand total (also written to [data-grand-total="<form id>"]).
function setUpLiveTotals(table) {
  const label = table.dataset.totalLabel || "Total";
  const headRow = table.tHead && table.tHead.rows[0];
  if (headRow) {
    const th = document.createElement("th");
    th.className = "num";
    th.scope = "col";
    th.textContent = label;
    headRow.appendChild(th);
  }
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  const rowOutputs = rows.map((row) => {
    const cell = row.insertCell();
    cell.className = "num total-cell";
    return cell;
  });
  const foot = table.createTFoot().insertRow();
  const footHead = document.createElement("th");
  footHead.scope = "row";
  footHead.textContent = label;
  foot.appendChild(footHead);
  const columns = rows.length ? rows[0].querySelectorAll("input").length : 0;
  const columnOutputs = [];
  for (let i = 0; i <= columns; i += 1) {
    const cell = foot.insertCell();
    cell.className = "num total-cell";
    columnOutputs.push(cell);
  }
  const grand = columnOutputs[columns];
  grand.setAttribute("aria-live", "polite");
  const update = () => {
    const sums = new Array(columns).fill(0);
    let all = 0;
    rows.forEach((row, r) => {
      let rowSum = 0;
      row.querySelectorAll("input").forEach((input, c) => {
        const v = amountOf(input);
        rowSum += v;
        sums[c] += v;
      });
      all += rowSum;
      rowOutputs[r].textContent = euros(rowSum);
    });
    sums.forEach((s, c) => { columnOutputs[c].textContent = euros(s); });
    grand.textContent = euros(all);
    table.dataset.total = String(all);
    document.dispatchEvent(new CustomEvent("grappe:totals"));
  };
  table.addEventListener("input", update);
  update();
}

// The sum of every live grid of a form, with overheads: <output data-live-sum="<form id>" data-rate="0.25">.
function updateLiveSums() {
  document.querySelectorAll("[data-live-sum]").forEach((out) => {
    const form = document.getElementById(out.dataset.liveSum);
    if (!form) return;
    let direct = 0;
    form.querySelectorAll("table[data-live-totals]").forEach((t) => { direct += Number(t.dataset.total || 0); });
    const rate = Number(out.dataset.rate || 0);
    out.textContent = out.dataset.withOverheads !== undefined ? euros(direct * (1 + rate)) : euros(direct);
  });
}

// Word counters on limited answers: <textarea data-word-limit="500" data-words-label="words">.
function setUpWordCounter(area) {
  const limit = Number(area.dataset.wordLimit);
  const counter = document.createElement("small");
  counter.className = "word-count";
  counter.id = `${area.id}_words`;
  counter.setAttribute("aria-live", "polite");
  area.insertAdjacentElement("afterend", counter);
  area.setAttribute("aria-describedby", [area.getAttribute("aria-describedby"), counter.id].filter(Boolean).join(" "));
  const update = () => {
    const words = area.value.trim() ? area.value.trim().split(/\s+/).length : 0;
    const lang = document.documentElement.lang || undefined; // 5 000 in French, 5,000 in English
    counter.textContent = `${words.toLocaleString(lang)} / ${limit.toLocaleString(lang)} ${area.dataset.wordsLabel || "words"}`;
    counter.classList.toggle("word-count-over", words > limit);
  };
  area.addEventListener("input", update);
  update();
}

// Searchable pickers: <select data-searchable data-search-label="Search">. A native select stays
// (keyboard and screen readers as usual); a search box above it keeps only the matching options.
function setUpSearchable(select) {
  const options = Array.from(select.options);
  const search = document.createElement("input");
  search.type = "search";
  search.className = "picker-search";
  search.id = `${select.id}_search`;
  search.setAttribute("aria-controls", select.id);
  // Named "Search", described by the field's own label (which stays the select's only name).
  search.setAttribute("aria-label", select.dataset.searchLabel || "Search");
  const label = document.querySelector(`label[for="${select.id}"]`);
  if (label) {
    if (!label.id) label.id = `${select.id}_label`;
    search.setAttribute("aria-describedby", label.id);
  }
  search.placeholder = select.dataset.searchLabel || "Search";
  select.insertAdjacentElement("beforebegin", search);
  const fold = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  search.addEventListener("input", () => {
    const words = fold(search.value).split(/\s+/).filter(Boolean);
    const selected = select.value;
    select.replaceChildren(...options.filter((o) =>
      !o.value || o.value === selected || words.every((w) => fold(`${o.textContent} ${o.dataset.search || ""}`).includes(w))));
    select.value = selected;
  });
}

// Unsaved work: switching language asks first when a form of the page was changed or failed.
// A form marked data-unsaved-leave also makes leaving the page (a link, closing the tab) ask.
function setUpUnsavedGuard() {
  const switcher = document.querySelector(".lang-switch");
  let dirty = Boolean(switcher && switcher.hasAttribute("data-unsaved-now"));
  document.querySelectorAll("form[method=post]:not(.lang-switch)").forEach((form) => {
    form.addEventListener("input", () => { dirty = true; });
    form.addEventListener("submit", () => { dirty = false; });
  });
  if (switcher) {
    switcher.addEventListener("submit", (event) => {
      if (dirty && !window.confirm(switcher.dataset.unsaved)) event.preventDefault();
      else dirty = false;
    });
  }
  if (document.querySelector("form[data-unsaved-leave]")) {
    window.addEventListener("beforeunload", (event) => {
      if (!dirty) return;
      event.preventDefault();
      event.returnValue = "";
    });
  }
}

// Error summaries take the keyboard focus; their links move it to the field they name.
function setUpErrorFocus() {
  const summary = document.querySelector(".error-summary, .form-errors[role=alert], .card-alert");
  if (summary) {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }
  document.querySelectorAll(".error-summary a[href^='#'], .failures a[href^='#']").forEach((link) => {
    link.addEventListener("click", (event) => {
      const target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      event.preventDefault();
      const field = target.matches("input, select, textarea")
        ? target : target.querySelector("input:not([type=hidden]), select, textarea, button");
      target.scrollIntoView({ block: "start" });
      if (field) field.focus();
      else { target.setAttribute("tabindex", "-1"); target.focus(); }
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("table[data-live-totals]").forEach(setUpLiveTotals);
  document.addEventListener("grappe:totals", updateLiveSums);
  updateLiveSums();
  document.querySelectorAll("textarea[data-word-limit]").forEach(setUpWordCounter);
  document.querySelectorAll("select[data-searchable]").forEach(setUpSearchable);
  setUpUnsavedGuard();
  setUpErrorFocus();
});

// A box that scrolls sideways (a wide table on a phone) can be scrolled with the keyboard:
// it takes the focus and is named after its section's heading.
function markScrollableRegions() {
  document.querySelectorAll(".table-wrap, table.table, .scroll-x").forEach((box) => {
    const scrolls = box.scrollWidth > box.clientWidth + 1 && getComputedStyle(box).overflowX !== "visible";
    if (scrolls && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
      if (box.tagName !== "TABLE") {
        box.setAttribute("role", "region");
        const section = box.closest("section, main");
        const heading = section && section.querySelector("h1, h2, h3");
        box.setAttribute("aria-label", heading ? heading.textContent.trim() : document.title);
      }
    }
  });
}
document.addEventListener("DOMContentLoaded", markScrollableRegions);
window.addEventListener("resize", markScrollableRegions);
// A table wider than the screen says so above it: <div class="table-wrap" data-scroll-hint="…">
// (the text translated by the template); the hint goes when the table fits again.
function hintHiddenColumns() {
  document.querySelectorAll("[data-scroll-hint]").forEach((box) => {
    const scrolls = box.scrollWidth > box.clientWidth + 1;
    let hint = box.previousElementSibling;
    if (!hint || !hint.classList.contains("scroll-hint")) {
      if (!scrolls) return;
      hint = document.createElement("p");
      hint.className = "scroll-hint";
      hint.textContent = box.dataset.scrollHint;
      box.insertAdjacentElement("beforebegin", hint);
    }
    hint.hidden = !scrolls;
  });
}
document.addEventListener("DOMContentLoaded", hintHiddenColumns);
window.addEventListener("resize", hintHiddenColumns);
// Files larger than the upload limit are refused before sending: <input type="file" data-max-bytes="…">.
// The forms are `novalidate` (the server's messages are the ones shown), so the browser would send
// the form anyway: the submit is stopped here while a file is too large, and nothing typed is lost.
function fileTooLarge(input) {
  const tooLarge = Array.from(input.files || []).some((file) => file.size > Number(input.dataset.maxBytes));
  input.setCustomValidity(tooLarge ? input.dataset.tooLarge || "Too large" : "");
  return tooLarge;
}
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.dataset.maxBytes) return;
  if (fileTooLarge(input)) input.reportValidity();
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const refused = Array.from(form.querySelectorAll("input[type=file][data-max-bytes]")).find(fileTooLarge);
  if (!refused) return;
  event.preventDefault();
  event.stopImmediatePropagation();
  refused.reportValidity();
  refused.focus();
}, true);
