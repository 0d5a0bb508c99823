// The agenda's print buttons need JavaScript, so they stay hidden until it runs.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
