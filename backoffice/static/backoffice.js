// The back-office's only own script: printing the invitation sheet, and moving keyboard focus
// to an error summary so screen-reader users hear it first. Everything works without it.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
});
