/* Tickets: progressive enhancement only. Every feature here also works without JavaScript. */
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  function isTyping(target) {
    if (!target) { return false; }
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  /* New-ticket form: suggest knowledge-base articles while the subject is typed. */
  function setupSuggestions() {
    var form = document.querySelector("[data-suggest-url]");
    if (!form) { return; }
    var subject = form.querySelector("#subject");
    var box = document.getElementById("suggestions");
    var list = document.getElementById("suggestion-list");
    if (!subject || !box || !list) { return; }
    var timer = null;
    var lastQuery = "";

    function render(items) {
      list.textContent = "";
      if (!items.length) { box.hidden = true; return; }
      items.forEach(function (item) {
        var li = document.createElement("li");
        var link = document.createElement("a");
        link.href = item.url;
        link.textContent = item.title;
        li.appendChild(link);
        if (item.summary) {
          var p = document.createElement("span");
          p.textContent = " – " + item.summary;
          li.appendChild(p);
        }
        list.appendChild(li);
      });
      box.hidden = false;
    }

    function fetchSuggestions() {
      var query = subject.value.trim();
      if (query === lastQuery) { return; }
      lastQuery = query;
      if (query.length < 3) { render([]); return; }
      var url = form.getAttribute("data-suggest-url") + "?q=" + encodeURIComponent(query) +
        "&nyckel=" + encodeURIComponent(form.querySelector("[name=idempotency_key]").value);
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { articles: [] }; })
        .then(function (data) { render(data.articles || []); })
        .catch(function () { render([]); });
    }

    subject.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, 350);
    });
    var suggestButton = form.querySelector("[name=suggest]");
    if (suggestButton) { suggestButton.hidden = true; }
  }

  /* New-ticket form: show only the known incidents about the chosen system (an incident naming no system is about
     them all), as the server does when it renders the form. A screen reader hears the notice once it settles on a
     new set of incidents, not at every option arrowed past, and nothing when it goes away. */
  function setupIncidentNotice() {
    var notice = document.getElementById("incident-notice");
    var status = document.getElementById("incident-notice-status");
    var system = document.getElementById("system");
    if (!notice || !status || !system) { return; }
    var heading = document.getElementById("incident-notice-heading");
    var items = Array.prototype.slice.call(notice.querySelectorAll("li[data-systems]"));
    var timer = null;
    var announced = "";

    function isAbout(item, chosen) {
      var systems = item.getAttribute("data-systems").split(" ").filter(Boolean);
      return !chosen || !systems.length || systems.indexOf(chosen) !== -1;
    }

    function description() {
      var titles = items.filter(function (item) { return !item.hidden; })
        .map(function (item) { return item.querySelector("a").textContent; });
      return titles.length ? heading.textContent + ": " + titles.join("; ") : "";
    }

    function announce() {
      var text = description();
      if (text !== announced) { status.textContent = text; announced = text; }
    }

    function update() {
      items.forEach(function (item) { item.hidden = !isAbout(item, system.value); });
      notice.hidden = items.every(function (item) { return item.hidden; });
    }

    update();  // a choice the browser restored (back button, autofill) may differ from the rendered one
    announced = description();  // what the page shows from the start is read with the page, not announced
    system.addEventListener("change", function () {
      update();
      window.clearTimeout(timer);
      timer = window.setTimeout(announce, 600);
    });
  }

  /* Any form: disable its submit buttons once sent (the server also refuses duplicates by key). */
  function setupSubmitOnce() {
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.getAttribute("data-sent") === "1") { event.preventDefault(); return; }
        form.setAttribute("data-sent", "1");
        window.setTimeout(function () {
          form.querySelectorAll("button[type=submit]").forEach(function (b) { b.setAttribute("aria-disabled", "true"); });
        }, 0);
      });
    });
  }

  /* Staff ticket view: reply / internal note toggle, canned responses, presence warning. */
  function setupReplyBox() {
    var box = document.querySelector(".reply-box");
    if (!box) { return; }
    var textarea = box.querySelector("textarea[name=body]");
    function syncKind() {
      var internal = box.querySelector("input[name=kind][value=internal]");
      box.classList.toggle("is-internal", !!(internal && internal.checked));
    }
    box.querySelectorAll("input[name=kind]").forEach(function (r) { r.addEventListener("change", syncKind); });
    syncKind();

    var canned = box.querySelector("[data-canned-url]");
    if (canned && textarea) {
      var button = canned.querySelector("button[name=insert_canned]");
      button.addEventListener("click", function (event) {
        var select = canned.querySelector("select");
        if (!select || !select.value) { return; }
        event.preventDefault();
        var url = canned.getAttribute("data-canned-url").replace(/0$/, encodeURIComponent(select.value));
        fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : {}; })
          .then(function (data) {
            if (!data.text) { return; }
            var start = textarea.selectionStart || textarea.value.length;
            textarea.value = textarea.value.slice(0, start) + data.text + textarea.value.slice(start);
            textarea.focus();
            var status = document.getElementById("canned-status");
            if (status) { status.textContent = status.getAttribute("data-done"); }
            var notes = document.getElementById("canned-notes");
            if (notes) {
              notes.textContent = (data.notes || []).join(" ");
              notes.hidden = !notes.textContent;
            }
          });
      });
    }
  }

  function setupPresence() {
    var holder = document.querySelector("[data-presence-url]");
    if (!holder || !window.fetch) { return; }
    var url = holder.getAttribute("data-presence-url");
    var warning = document.getElementById("presence-warning");
    var textarea = document.querySelector(".reply-box textarea[name=body]");

    function ping() {
      var replying = !!(textarea && (document.activeElement === textarea || textarea.value.trim()));
      var body = new FormData();
      body.append("replying", replying ? "1" : "0");
      fetch(url, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
      })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || !warning) { return; }
          var names = (data.replying || []).map(function (p) { return p.name; });
          if (names.length) {
            warning.textContent = warning.getAttribute("data-template").replace("%s", names.join(", "));
            warning.hidden = false;
          } else {
            warning.hidden = true;
          }
        })
        .catch(function () { /* presence is a courtesy; a failed ping changes nothing */ });
    }
    ping();
    window.setInterval(ping, 15000);
    if (textarea) { textarea.addEventListener("focus", ping); }
  }

  /* Keyboard shortcuts (documented on the page; never while typing in a field). */
  function setupShortcuts() {
    var rows = Array.prototype.slice.call(document.querySelectorAll("[data-ticket-row]"));
    var selected = -1;

    function select(index) {
      if (!rows.length) { return; }
      if (selected >= 0) { rows[selected].classList.remove("is-selected"); }
      selected = Math.max(0, Math.min(rows.length - 1, index));
      rows[selected].classList.add("is-selected");
      var link = rows[selected].querySelector("a");
      if (link) { link.focus(); }
    }

    function chooseKind(kind) {
      var radio = document.querySelector(".reply-box input[name=kind][value=" + kind + "]");
      if (radio) { radio.checked = true; radio.dispatchEvent(new Event("change")); }
      var textarea = document.querySelector(".reply-box textarea[name=body]");
      if (textarea) { textarea.focus(); return true; }
      return false;
    }

    function follow(rel) {
      var link = document.querySelector("a[rel=" + rel + "]");
      if (link) { window.location.href = link.href; }
    }

    document.addEventListener("keydown", function (event) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (isTyping(event.target)) {
        if (event.key === "Escape" && event.target.blur) { event.target.blur(); }
        return;
      }
      var handled = true;
      switch (event.key) {
        case "r": handled = chooseKind("public"); break;
        case "n": handled = chooseKind("internal"); break;
        case "j": if (rows.length) { select(selected + 1); } else { follow("next"); } break;
        case "k": if (rows.length) { select(selected - 1); } else { follow("prev"); } break;
        case "/": {
          var search = document.getElementById("ticket-search");
          if (search) { search.focus(); } else { handled = false; }
          break;
        }
        case "u": follow("up"); break;
        default: handled = false;
      }
      if (handled) { event.preventDefault(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupSuggestions();
    setupIncidentNotice();
    setupSubmitOnce();
    setupReplyBox();
    setupPresence();
    setupShortcuts();
  });
}());
