/* Booking page, step 1: show the times in the browser's own zone when the visitor has not picked
   one (the page works without this). Loaded only when the view asks for zone detection. */
(function () {
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  var select = document.getElementById("id_tz");
  if (!zone || !select || select.value === zone) return;
  var known = Array.prototype.some.call(select.options, function (o) { return o.value === zone; });
  if (!known) return;
  var params = new URLSearchParams(window.location.search);
  params.set("tz", zone);
  window.location.replace(window.location.pathname + "?" + params.toString());
})();
