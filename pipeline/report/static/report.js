// newsfacts report: sortable and filterable tables, mention <-> table highlighting, legend toggles.
// Plain DOM code so the pages work from disk with no server and no download.
"use strict";

function cellValue(row, index) {
  const cell = row.children[index];
  return cell ? cell.textContent.trim() : "";
}

function compareValues(a, b) {
  // Numbers (with thousands separators) sort as numbers, the rest as text in Chinese order.
  const x = parseFloat(a.replace(/,/g, "")), y = parseFloat(b.replace(/,/g, ""));
  const numeric = /^-?[\d,.]+(e[+-]?\d+)?$/i;
  if (numeric.test(a) && numeric.test(b) && !isNaN(x) && !isNaN(y)) return x - y;
  return a.localeCompare(b, "zh");
}

function makeSortable(table) {
  const heads = table.tHead.rows[0].cells;
  Array.from(heads).forEach((th, index) => th.addEventListener("click", () => {
    const asc = !th.classList.contains("sorted-asc");
    Array.from(heads).forEach(h => h.classList.remove("sorted-asc", "sorted-desc"));
    th.classList.add(asc ? "sorted-asc" : "sorted-desc");
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    rows.sort((r1, r2) => (asc ? 1 : -1) * compareValues(cellValue(r1, index), cellValue(r2, index)));
    rows.forEach(r => body.appendChild(r));
  }));
}

function makeFilterable(table) {
  const inputs = Array.from(table.querySelectorAll("tr.filters input"));
  const shown = document.querySelector(".filter-status .shown");
  const apply = () => {
    const wanted = inputs.map(i => i.value.trim().toLowerCase());
    let count = 0;
    for (const row of table.tBodies[0].rows) {
      // Column 0 is the link arrow; filter inputs sit over columns 1..n.
      const ok = wanted.every((w, i) => !w || cellValue(row, i + 1).toLowerCase().includes(w));
      row.hidden = !ok;
      count += ok ? 1 : 0;
    }
    if (shown) shown.textContent = count;
  };
  inputs.forEach(i => i.addEventListener("input", apply));
}

function linkMentions() {
  // Hovering a mention lights its table row and the reverse; clicking a mention scrolls its row into view.
  const rowsByRef = {};
  document.querySelectorAll("tr[data-ref]").forEach(tr => { rowsByRef[tr.dataset.ref] = tr; });
  const marksOf = ref => document.querySelectorAll(`mark[data-ref="${CSS.escape(ref)}"]`);
  const light = (ref, on) => {
    marksOf(ref).forEach(m => m.classList.toggle("hot", on));
    if (rowsByRef[ref]) rowsByRef[ref].classList.toggle("hot", on);
  };
  document.querySelectorAll("mark[data-ref]").forEach(m => {
    m.addEventListener("mouseenter", e => { e.stopPropagation(); light(m.dataset.ref, true); });
    m.addEventListener("mouseleave", () => light(m.dataset.ref, false));
    m.addEventListener("click", e => {
      e.stopPropagation();
      scrollRowIntoSide(rowsByRef[m.dataset.ref]);
    });
  });
  Object.entries(rowsByRef).forEach(([ref, tr]) => {
    tr.addEventListener("mouseenter", () => light(ref, true));
    tr.addEventListener("mouseleave", () => light(ref, false));
  });
}

function legendToggles() {
  const text = document.getElementById("text");
  document.querySelectorAll("#legend input[data-hide]").forEach(box => box.addEventListener("change", () => {
    text.classList.toggle("hide-" + box.dataset.hide, !box.checked);
  }));
}

function showTarget() {
  // A link from a table lands on a mention: mark every piece of it (a mention cut at a crossing has several).
  document.querySelectorAll("mark.targeted").forEach(m => m.classList.remove("targeted"));
  const id = decodeURIComponent(location.hash.slice(1));
  if (!id) return;
  const marks = document.querySelectorAll(`mark[data-ref="${CSS.escape(id)}"]`);
  marks.forEach(m => m.classList.add("targeted"));
  if (marks.length) marks[0].scrollIntoView({ block: "center" });
  scrollRowIntoSide(document.querySelector(`tr[data-ref="${CSS.escape(id)}"]`));
}

function scrollRowIntoSide(row) {
  // Scroll only the side panel: row.scrollIntoView would move the whole page away from the mention.
  const side = row && row.closest(".side");
  if (side) side.scrollTop = row.offsetTop - side.clientHeight / 2;
}

document.querySelectorAll("table.sortable").forEach(makeSortable);
document.querySelectorAll("table.filterable").forEach(makeFilterable);
if (document.getElementById("text")) {
  linkMentions();
  legendToggles();
  window.addEventListener("hashchange", showTarget);
  showTarget();
}
