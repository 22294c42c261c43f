/* Booking page, step 1: when the visitor changes the session type or its duration, show the price
   of that choice at once and show the duration field only for the types that have one. The prices
   come from the form's data attributes, written by the server with the same rule that charges
   (data-prices: {type: {"has_duration": bool, "prices": {minutes: "formatted amount"}}};
   data-minute-labels: {minutes: "30 minutes"}). Without JavaScript the "Show times" button does
   the same with a round trip. */
(function () {
  var form = document.getElementById("slot-filters");
  if (!form) return;
  var prices = JSON.parse(form.dataset.prices || "{}");
  var labels = JSON.parse(form.dataset.minuteLabels || "{}");
  var type = document.getElementById("id_type");
  var duration = document.getElementById("id_duration");
  var durationField = document.getElementById("duration-field");
  var price = document.getElementById("price");
  var priceMinutes = document.getElementById("price-minutes");
  function update() {
    var entry = prices[type.value];
    if (!entry) return;
    var minutes = entry.has_duration && duration ? duration.value : "30";
    if (durationField) durationField.hidden = !entry.has_duration;
    if (entry.prices[minutes] !== undefined) price.textContent = entry.prices[minutes];
    if (priceMinutes && labels[minutes] !== undefined) priceMinutes.textContent = "(" + labels[minutes] + ")";
  }
  type.addEventListener("change", update);
  if (duration) duration.addEventListener("change", update);
})();

/* Booking page, step 2: Enter in the discount code field applies the code ("Apply", name
   check_code), as the visitor expects of the field beside that button. Enter in any other field
   books: the form's first submit button is a hidden copy of "Confirm booking" (book.html), which
   needs no script. Without JavaScript, Enter in the code field books with the code, which the server
   checks like "Apply" does (a refused code is shown beside the field and nothing is booked). */
(function () {
  var code = document.getElementById("id_coupon_code");
  var apply = document.getElementById("apply-code");
  if (!code || !apply || apply.form !== code.form) return;
  code.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    apply.click();
  });
})();
