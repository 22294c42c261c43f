/* The visitor's time zone for the pages that show times (webinars): the "tz" cookie, which the server
   reads and the page cache keys on. Set from the booking pages' zone picker (select#id_tz) when there
   is one, else once from the browser's zone. A page whose times were written for another zone
   (data-zone-shown) is reloaded once the cookie is set. Without this script pages show each
   webinar's own zone, named. The cookie is scoped to the webinar pages (/webinars and /<lang>/webinars)
   so the cached copies of every other page stay one per language. */
(function () {
  var COOKIE = "tz";
  function read() {
    var match = document.cookie.match(/(?:^|;\s*)tz=([^;]*)/);
    return match ? match[1] : "";
  }
  function write(zone) {
    // IANA names are cookie-safe as they are (letters, digits, "/", "_", "+", "-"); the server reads them raw.
    if (!/^[A-Za-z0-9_\/+\-]+$/.test(zone)) return;
    var paths = ["/webinars"];
    Array.prototype.forEach.call(document.querySelectorAll("a.lang[hreflang]"), function (link) {
      paths.push("/" + link.getAttribute("hreflang") + "/webinars");
    });
    paths.forEach(function (path) {
      document.cookie = COOKIE + "=" + zone + "; path=" + path + "; max-age=31536000; SameSite=Lax";
    });
  }
  var picker = document.getElementById("id_tz");
  if (picker && picker.tagName === "SELECT") {
    if (picker.value && picker.value !== read()) write(picker.value);
    picker.addEventListener("change", function () { if (picker.value) write(picker.value); });
    return;
  }
  var shown = document.querySelector("[data-zone-shown]");
  if (!shown || read()) return;
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone) return;
  write(zone);
  if (read() !== zone) return;  // cookies refused: keep the page as it is
  if (shown.getAttribute("data-zone-shown") !== zone) window.location.reload();
})();
