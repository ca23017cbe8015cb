// The product line editor of orders and purchases: add and remove rows, fill the chosen product's price,
// show each row's amount and the totals. Display only: the server recomputes every figure.
(function () {
  "use strict";
  var editor = document.querySelector("[data-line-editor]");
  if (!editor) return;
  var rows = editor.querySelector("[data-line-rows]");
  var template = document.getElementById("line-row-template");
  var priceKey = editor.getAttribute("data-price-key") || "sale_price";
  var products = {};
  try {
    JSON.parse(document.getElementById("line-products").textContent).forEach(function (p) { products[String(p.id)] = p; });
  } catch (e) { products = {}; }

  function number(input) {
    var value = input ? parseFloat(input.value) : NaN;
    return isNaN(value) ? 0 : value;
  }

  function refresh() {
    var qtyTotal = 0, amountTotal = 0;
    rows.querySelectorAll("[data-line]").forEach(function (row) {
      var qty = number(row.querySelector("[data-line-qty]"));
      var amount = qty * number(row.querySelector("[data-line-price]")) - number(row.querySelector("[data-line-discount]"));
      qtyTotal += qty;
      amountTotal += amount;
      row.querySelector("[data-line-amount]").textContent = amount.toFixed(2);
    });
    editor.querySelector("[data-total-qty]").textContent = String(qtyTotal);
    editor.querySelector("[data-total-amount]").textContent = amountTotal.toFixed(2);
  }

  function addRow() {
    rows.appendChild(template.content.cloneNode(true));
    refresh();
  }

  editor.addEventListener("click", function (event) {
    if (event.target.closest("[data-add-line]")) {
      addRow();
    } else if (event.target.closest("[data-remove-line]")) {
      event.target.closest("[data-line]").remove();
      if (!rows.querySelector("[data-line]")) addRow();
      refresh();
    }
  });
  editor.addEventListener("change", function (event) {
    var select = event.target.closest("[data-line-product]");
    if (select) {
      var row = select.closest("[data-line]");
      var product = products[select.value];
      var price = row.querySelector("[data-line-price]");
      var qty = row.querySelector("[data-line-qty]");
      if (product && price) price.value = product[priceKey];
      if (product && qty && !qty.value) qty.value = "1";
    }
    refresh();
  });
  editor.addEventListener("input", refresh);
  refresh();
})();
