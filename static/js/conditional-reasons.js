// Shows only the reason box under the chosen position. NHS.UK's own radios script would add aria-expanded,
// which is not allowed on a radio button (WCAG 4.1.2), so this small script does the same without it.
document.querySelectorAll("[data-portal-conditional]").forEach(function (group) {
  var inputs = group.querySelectorAll("input[type=radio]");
  function sync() {
    inputs.forEach(function (input) {
      var target = document.getElementById(input.getAttribute("aria-controls") || "");
      if (target) target.classList.toggle("nhsuk-radios__conditional--hidden", !input.checked);
    });
  }
  inputs.forEach(function (input) { input.addEventListener("change", sync); });
  sync();
});
