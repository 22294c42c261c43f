/* Booking page, step 1: show the times in the browser's own zone when the visitor has not picked
   one (the page works without this). Loaded only when the view asks for zone detection. */
(function () {
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  var input = document.getElementById("id_tz");
  var list = document.getElementById("tz-list");
  if (!zone || !input || !list || input.value === zone) return;
  var known = Array.prototype.some.call(list.options, function (o) { return o.value === zone; });
  if (!known) return;
  var params = new URLSearchParams(window.location.search);
  params.set("tz", zone);
  window.location.replace(window.location.pathname + "?" + params.toString());
})();
