/* Knowledge base, progressive enhancement only: title suggestions on the search box (ARIA 1.2 combobox),
   the editor's live preview, its image upload without leaving the page and an id proposed from the title.
   Everything works without this file. */
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function setupCombobox(form) {
    var input = form.querySelector("[role=combobox]");
    var listbox = form.querySelector("[role=listbox]");
    var status = form.querySelector("[data-kb-status]");
    if (!input || !listbox || !window.fetch) { return; }
    var url = input.getAttribute("data-suggest-url");
    var items = [];
    var active = -1;
    var lastQuery = "";
    var requestNumber = 0;

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = listbox.querySelectorAll("[role=option]");
      options.forEach(function (option, n) { option.setAttribute("aria-selected", n === index ? "true" : "false"); });
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var item = items[index];
      if (item) { window.location.href = item.url; }
    }

    function render(suggestions) {
      items = suggestions;
      listbox.textContent = "";
      suggestions.forEach(function (suggestion, n) {
        var option = document.createElement("li");
        option.id = "kb-q-option-" + n;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = suggestion.title;
        option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(n); });
        listbox.appendChild(option);
      });
      if (suggestions.length) {
        listbox.hidden = false;
        input.setAttribute("aria-expanded", "true");
        status.textContent = suggestions.length === 1 ? "1 förslag. Välj med pilarna." :
          suggestions.length + " förslag. Välj med pilarna.";
      } else {
        close();
        status.textContent = "";
      }
      active = -1;
    }

    var fetchSuggestions = debounce(function (query) {
      var mine = ++requestNumber;
      // the form's group and filters go along, so every title offered is one that Enter finds
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, name) { if (name !== "q" && value) { params.append(name, value); } });
      params.set("q", query);
      fetch(url + "?" + params.toString(), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) { if (mine === requestNumber && input.value.trim() === query) { render(data.suggestions || []); } })
        .catch(function () { close(); });
    }, 150);

    input.addEventListener("input", function () {
      var query = input.value.trim();
      if (query === lastQuery) { return; }
      lastQuery = query;
      if (query.length < 2) { render([]); return; }
      fetchSuggestions(query);
    });

    input.addEventListener("keydown", function (event) {
      var open = !listbox.hidden && items.length > 0;
      if (event.key === "ArrowDown") {
        if (!open) { return; }
        event.preventDefault();
        highlight(active + 1 >= items.length ? 0 : active + 1);
      } else if (event.key === "ArrowUp") {
        if (!open) { return; }
        event.preventDefault();
        highlight(active <= 0 ? items.length - 1 : active - 1);
      } else if (event.key === "Enter") {
        if (open && active >= 0) { event.preventDefault(); choose(active); }
      } else if (event.key === "Escape") {
        if (open) { event.preventDefault(); close(); } else { input.value = ""; lastQuery = ""; }
      }
    });

    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function setupPreview(section) {
    var form = section.closest("form");
    var textarea = form && form.querySelector("textarea[name=body]");
    var target = section.querySelector("[data-preview]");
    if (!textarea || !target || !window.fetch) { return; }
    var url = section.getAttribute("data-preview-url");
    var token = section.getAttribute("data-csrf");

    var update = debounce(function () {
      var body = new URLSearchParams();
      body.set("body", textarea.value);
      body.set("csrf_token", token);
      fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": token, "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          // The server rendered and sanitised this HTML with the same code as the article page.
          if (data.html.trim()) {
            target.innerHTML = data.html;
          } else {  // nothing written yet: say what will appear here
            var hint = document.createElement("p");
            hint.className = "hint";
            hint.textContent = target.getAttribute("data-empty");
            target.replaceChildren(hint);
          }
        })
        .catch(function () { /* the preview is a convenience; saving still works */ });
    }, 300);

    textarea.addEventListener("input", update);
    update();
  }

  function insertAtCursor(textarea, text) {
    var start = textarea.selectionStart, end = textarea.selectionEnd, value = textarea.value;
    if (typeof start !== "number" || (start === 0 && end === 0)) {
      start = end = value.length;  // no place chosen in the text: at the end, like the server without JavaScript
    }
    var before = value.slice(0, start), after = value.slice(end);
    var lead = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
    textarea.value = before + lead + text + "\n" + after;
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function setupUpload(section) {
    var form = section.closest("form");
    var input = section.querySelector("input[type=file]");
    var button = section.querySelector("button[value=upload]");
    var status = section.querySelector("[data-upload-status]");
    var textarea = form && form.querySelector("textarea[name=body]");
    var token = form && form.querySelector("input[name=csrf_token]");
    if (!input || !button || !status || !textarea || !token || !window.fetch || !window.FormData) { return; }
    var url = section.getAttribute("data-upload-url");

    function show(message, failed) {
      status.textContent = message;
      status.classList.toggle("error-message", !!failed);
    }

    var maxBytes = parseInt(section.getAttribute("data-max-bytes"), 10);
    button.addEventListener("click", function (event) {
      event.preventDefault();  // the draft stays on the page, unsaved and untouched
      if (input.files.length && input.files[0].size > maxBytes) {  // no need to send megabytes to hear it
        show(section.getAttribute("data-too-large"), true);
        input.focus();
        return;
      }
      var body = new FormData();
      if (input.files.length) { body.append("image", input.files[0]); }
      body.append("csrf_token", token.value);
      button.disabled = true;
      show(section.getAttribute("data-uploading"), false);
      fetch(url, { method: "POST", body: body, credentials: "same-origin",
                   headers: { "X-CSRFToken": token.value, "Accept": "application/json" } })
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (data) {
            return { ok: response.ok, status: response.status, data: data };
          });
        })
        .then(function (result) {
          if (result.status === 413) { result.data.message = section.getAttribute("data-too-large"); }
          if (result.ok && result.data.code) {
            insertAtCursor(textarea, result.data.code);
            input.value = "";
            show(result.data.message, false);
          } else {
            show(result.data.message || section.getAttribute("data-failed"), true);
            if (!input.files.length) { input.focus(); }
          }
        })
        .catch(function () { show(section.getAttribute("data-failed"), true); })
        .then(function () { button.disabled = false; });
    });
  }

  /* The id follows the title (folded to a–z, 0–9 and hyphens like the server's proposal) until it is edited. */
  function setupSlug(title) {
    var target = document.getElementById(title.getAttribute("data-slug-source"));
    if (!target) { return; }
    var proposed = target.value;
    function slug(text) {
      return text.toLowerCase().replace(/æ/g, "a").replace(/ø/g, "o").replace(/ß/g, "ss")
        .normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
        .replace(/[^a-z0-9]+/g, "-").slice(0, 70).replace(/^-+|-+$/g, "");
    }
    var url = title.getAttribute("data-slug-url");
    var timer = null;
    function takeUnused() {  // the server knows which ids are taken and answers the next free one (…-2)
      var asked = title.value;
      fetch(url + "?rubrik=" + encodeURIComponent(asked), { credentials: "same-origin",
                                                            headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || !data.id || title.value !== asked || target.value !== proposed) { return; }
          proposed = data.id;
          target.value = proposed;
        })
        .catch(function () { /* the local proposal stays; the server checks the id on saving */ });
    }
    title.addEventListener("input", function () {
      if (target.value !== proposed) { return; }  // the editor chose an id of their own
      proposed = slug(title.value);
      target.value = proposed;
      if (url && window.fetch && proposed) {
        window.clearTimeout(timer);
        timer = window.setTimeout(takeUnused, 250);
      }
    });
  }

  document.querySelectorAll("[data-kb-search]").forEach(setupCombobox);
  document.querySelectorAll("[data-preview-url]").forEach(setupPreview);
  document.querySelectorAll("[data-upload-url]").forEach(setupUpload);
  document.querySelectorAll("[data-slug-source]").forEach(setupSlug);
})();
