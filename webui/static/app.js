// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // After a submit with errors, make sure focus lands on the first field in error.
  var first = document.querySelector(".has-error input, .has-error select, .has-error textarea");
  if (first && document.activeElement === document.body) { first.focus(); }
});
