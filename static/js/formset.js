// "Add another" for the incident form's rows (targets, actors, claims of
// responsibility). Each formset renders its empty row in a <template>; the
// button adds a copy with the next index and raises TOTAL_FORMS, as Django's
// formsets expect. Without script the page still offers one blank row.
"use strict";

function addRow(prefix) {
  const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
  const max = Number(document.getElementById(`id_${prefix}-MAX_NUM_FORMS`).value);
  const index = Number(total.value);
  if (index >= max) {
    return;
  }
  const rows = document.getElementById(`${prefix}-rows`);
  const html = document.getElementById(`${prefix}-empty`).innerHTML
    .replaceAll("__prefix__", String(index))
    .replaceAll("__number__", String(index + 1));
  rows.insertAdjacentHTML("beforeend", html);
  total.value = String(index + 1);
  const row = rows.lastElementChild;
  // Parties added on this page since it was drawn are in the other rows' lists.
  for (const select of row.querySelectorAll("select.row-actor")) {
    const drawn = document.querySelector(`select.row-actor:not([name="${select.name}"])`);
    if (drawn && drawn.options.length > select.options.length) {
      select.innerHTML = drawn.innerHTML;
      select.value = "";
    }
  }
  row.querySelector("select, input:not([type=hidden]), textarea")?.focus();
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-add-row]");
  if (button) {
    addRow(button.dataset.addRow);
  }
});

for (const button of document.querySelectorAll("button[data-add-row]")) {
  button.hidden = false;
}
