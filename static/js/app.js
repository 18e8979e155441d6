/* Every page, progressive enhancement only: the header's menu button on small screens, copy buttons, and focus moved
   to what a reader must see first after a submit (an error summary, a confirmation) without the autofocus attribute. */
(function () {
  "use strict";

  function setupMenu(button) {
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    if (!menu || !window.matchMedia) { return; }
    var small = window.matchMedia("(max-width: 47.99rem)");

    function set(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("is-open", open);
    }

    button.hidden = false;
    set(!small.matches);
    button.addEventListener("click", function () { set(button.getAttribute("aria-expanded") !== "true"); });
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && small.matches) { set(false); button.focus(); }
    });
    var follow = function () { set(!small.matches); };
    if (small.addEventListener) { small.addEventListener("change", follow); } else { small.addListener(follow); }
  }

  function focusFirstMessage() {
    var target = document.querySelector(".error-summary, [data-focus-on-load]");
    if (!target) { return; }
    if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
    target.focus();
  }

  /* A copy button for a value shown once (a new API key), only where the Clipboard API is there to do it. */
  function setupCopy(box) {
    var source = document.getElementById(box.getAttribute("data-copy"));
    var button = box.querySelector("button");
    var status = box.querySelector("[role=status]");
    if (!source || !button || !status || !navigator.clipboard || !navigator.clipboard.writeText) { return; }
    box.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "";  // so a second copy is announced again
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        status.textContent = box.getAttribute("data-copied");
      }, function () {
        status.textContent = box.getAttribute("data-copy-failed");
      });
    });
  }

  document.querySelectorAll(".menu-button[aria-controls]").forEach(setupMenu);
  document.querySelectorAll("[data-copy]").forEach(setupCopy);
  focusFirstMessage();
})();
