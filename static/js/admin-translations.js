// Translation boxes in the admin (content.admin_widgets): turns the stacked language fieldsets
// into tabs and fetches a Markdown box's preview from the staff preview view. Without this file
// the fieldsets stay stacked and everything still saves.
(function () {
  "use strict";

  function csrfToken(element) {
    var form = element.closest("form");
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function makeTabs(container) {
    var panels = Array.prototype.slice.call(container.querySelectorAll(":scope > .translation"));
    if (panels.length < 2) { return; }
    var bar = document.createElement("div");
    bar.className = "translation-tabs";
    bar.setAttribute("role", "tablist");
    var buttons = panels.map(function (panel, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.setAttribute("role", "tab");
      button.textContent = panel.querySelector("legend").textContent.trim();
      button.dataset.language = panel.dataset.language;
      button.addEventListener("click", function () { select(index); });
      bar.appendChild(button);
      return button;
    });
    function select(selected) {
      panels.forEach(function (panel, index) {
        panel.hidden = index !== selected;
        buttons[index].setAttribute("aria-selected", index === selected ? "true" : "false");
      });
    }
    container.insertBefore(bar, container.firstChild);
    container.classList.add("tabbed");
    // Open the first language with an error, if any, else the first.
    var withError = panels.findIndex(function (panel) { return panel.querySelector(".errorlist"); });
    select(withError >= 0 ? withError : 0);
  }

  function preview(button) {
    var textarea = document.getElementById(button.dataset.previewFor);
    var target = document.getElementById(button.dataset.previewFor + "__preview");
    var body = new URLSearchParams();
    body.append("markdown", textarea.value);
    fetch(button.dataset.previewUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(button), "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString()
    }).then(function (response) {
      return response.text().then(function (text) { return { ok: response.ok, text: text }; });
    }).then(function (result) {
      target.hidden = false;
      target.classList.toggle("error", !result.ok);
      if (result.ok) {
        // The view answers HTML made by the project's Portable Text renderer (escaped text).
        target.innerHTML = result.text;
      } else {
        target.textContent = result.text;
      }
    }).catch(function () {
      target.hidden = false;
      target.classList.add("error");
      target.textContent = button.dataset.failed || "Preview failed.";
    });
  }

  function init() {
    document.querySelectorAll("[data-translations]").forEach(makeTabs);
    document.querySelectorAll(".translation-preview-bar").forEach(function (bar) { bar.hidden = false; });
    document.addEventListener("click", function (event) {
      var button = event.target.closest("[data-preview-url]");
      if (button) { preview(button); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
