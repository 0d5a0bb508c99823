// Keeps the total up to date as points are typed; without JavaScript the total is shown after sending.
(function () {
  var inputs = document.querySelectorAll(".portal-points");
  var total = document.getElementById("points-total");
  if (!total) return;
  function update() {
    var sum = 0;
    inputs.forEach(function (input) { var n = parseInt(input.value, 10); if (!isNaN(n)) sum += n; });
    total.textContent = sum;
  }
  inputs.forEach(function (input) { input.addEventListener("input", update); });
})();
