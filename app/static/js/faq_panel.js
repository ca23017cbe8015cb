/* The knowledge-base side panel: any page can open it (header button, Alt+K, or any [data-faq-open]
   element, whose data-faq-open value becomes the query). Results are built with textContent; only the
   answer, sanitized on the server by nh3 when it was saved, is inserted as HTML. */
(function () {
  "use strict";

  var script = document.currentScript;
  var topbar = document.querySelector(".topbar-right");
  if (!script || !window.Zuoxi) return;
  var url = script.dataset.url;
  var pageUrl = script.dataset.pageUrl;
  var labels = {
    title: script.dataset.labelTitle,
    placeholder: script.dataset.labelPlaceholder,
    close: script.dataset.labelClose,
    empty: script.dataset.labelEmpty,
    open: script.dataset.labelOpen,
    more: script.dataset.labelMore,
    failed: script.dataset.labelFailed
  };
  var panel = null;
  var input = null;
  var body = null;
  var timer = null;
  var serial = 0;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function build() {
    panel = el("aside", "faq-panel");
    panel.id = "faq-panel";
    panel.hidden = true;
    panel.setAttribute("aria-label", labels.title);
    var head = el("header");
    head.appendChild(el("h2", "", labels.title));
    var close = el("button", "icon-button", "×");
    close.type = "button";
    close.setAttribute("aria-label", labels.close);
    close.addEventListener("click", hide);
    head.appendChild(close);
    var form = el("form", "faq-panel-search");
    form.setAttribute("role", "search");
    input = el("input");
    input.type = "search";
    input.placeholder = labels.placeholder;
    input.setAttribute("aria-label", labels.placeholder);
    form.appendChild(input);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      search();
    });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 250);
    });
    body = el("div", "faq-panel-body");
    body.setAttribute("aria-live", "polite");
    panel.appendChild(head);
    panel.appendChild(form);
    panel.appendChild(body);
    document.body.appendChild(panel);
  }

  function hit(result) {
    var item = el("div", "faq-hit");
    var title = el("button", "faq-hit-title", result.title);
    title.type = "button";
    title.setAttribute("aria-expanded", "false");
    item.appendChild(title);
    if (result.category) item.appendChild(el("span", "tag", result.category));
    var snippet = el("p", "", result.snippet);
    item.appendChild(snippet);
    var answer = null;
    var expanded = false;
    title.addEventListener("click", function () {
      if (!answer) {
        answer = el("div", "faq-answer");
        answer.innerHTML = result.answer_html; // sanitized server-side (app/faq/sanitize.py)
        var link = el("a", "", labels.more);
        link.href = pageUrl + result.id;
        link.target = "_blank";
        link.rel = "noopener";
        answer.appendChild(link);
        item.appendChild(answer);
      }
      expanded = !expanded;
      answer.hidden = !expanded;
      snippet.hidden = expanded;
      title.setAttribute("aria-expanded", String(expanded));
    });
    return item;
  }

  function search() {
    var query = input.value.trim();
    var mine = ++serial;
    window.Zuoxi.fetchJSON(url + "?q=" + encodeURIComponent(query)).then(
      function (data) {
        if (mine !== serial) return; // a newer query has been sent meanwhile
        body.replaceChildren();
        if (!data.results.length) body.appendChild(el("p", "empty", labels.empty));
        data.results.forEach(function (result) {
          body.appendChild(hit(result));
        });
      },
      function () {
        if (mine === serial) body.replaceChildren(el("p", "field-error", labels.failed));
      }
    );
  }

  function show(query) {
    if (!panel) build();
    panel.hidden = false;
    if (typeof query === "string" && query) input.value = query;
    input.focus();
    input.select();
    search();
  }

  function hide() {
    if (panel) panel.hidden = true;
  }

  function toggle() {
    if (panel && !panel.hidden) hide();
    else show();
  }

  if (topbar) {
    var button = el("button", "icon-button faq-open", labels.open);
    button.type = "button";
    button.title = labels.open + " (Alt+K)";
    button.setAttribute("aria-controls", "faq-panel");
    button.addEventListener("click", toggle);
    topbar.insertBefore(button, topbar.firstChild);
  }
  document.addEventListener("keydown", function (event) {
    if (event.altKey && !event.ctrlKey && !event.metaKey && (event.key === "k" || event.key === "K")) {
      event.preventDefault();
      toggle();
    } else if (event.key === "Escape" && panel && !panel.hidden) {
      hide();
    }
  });
  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-faq-open]");
    if (opener) {
      event.preventDefault();
      show(opener.getAttribute("data-faq-open"));
    }
  });
  window.Zuoxi.openFaq = show;
})();
