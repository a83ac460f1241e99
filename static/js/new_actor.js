// A party added from a page (templates/incidents/partials/new_actor.html)
// joins every list on that page that offers parties. The option is made
// here, not swapped in by htmx: an <option> moved in from the response keeps
// its selectedness and would become the choice of every row it joined.
"use strict";

document.addEventListener("htmx:afterSettle", () => {
  const added = document.querySelector("#new-actor [data-added-id]");
  if (!added) {
    return;
  }
  const { addedId, addedName, addedTo } = added.dataset;
  delete added.dataset.addedId;
  for (const select of document.querySelectorAll(addedTo)) {
    if (!select.querySelector(`option[value="${addedId}"]`)) {
      select.add(new Option(addedName, addedId, false, false));
    }
  }
});
