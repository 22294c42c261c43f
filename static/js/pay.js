/* Payment page: Stripe.js (loaded just before this file) turns the card into a token, which is
   posted with the booking reference and its token to the confirm API (data-confirm-url); a paid
   booking goes to data-done-url, anything else shows a message in #payment-error.
   The form's data attributes carry the page's words: data-declined, data-failed, and
   data-provider-messages="true" when Stripe's own (English) decline reason may be shown. */
(function () {
  var form = document.getElementById("payment-form");
  var errorBox = document.getElementById("payment-error");
  var button = document.getElementById("pay-button");
  var label = button.textContent;
  var providerMessages = form.dataset.providerMessages === "true";
  var stripe = Stripe(form.dataset.key);
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  function fail(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    button.disabled = false;
    button.textContent = label;
  }
  function confirm(extra) {
    var body = Object.assign({booking_reference: form.dataset.reference, token: form.dataset.token}, extra || {});
    return fetch(form.dataset.confirmUrl, {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)
    }).then(function (r) { return r.json().then(function (j) { return {status: r.status, body: j}; }); });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    errorBox.hidden = true;
    button.disabled = true;
    button.textContent = button.dataset.paying;
    stripe.createToken(card).then(function (result) {
      if (result.error) { return fail(result.error.message || form.dataset.declined); }
      return confirm({card_token: result.token.id}).then(function (answer) {
        if (answer.status === 200) { window.location.assign(form.dataset.doneUrl); return; }
        var error = (answer.body && answer.body.error) || {};
        if (answer.status === 402) { return fail((providerMessages && error.message) || form.dataset.declined); }
        fail(form.dataset.failed + (error.message || answer.status));
      });
    }).catch(function (err) { fail(form.dataset.failed + err); });
  });
})();
