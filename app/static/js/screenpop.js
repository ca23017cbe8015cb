/* Screen-pop: the caller's customer card when the agent's phone rings or the agent places a call.
   Listens for `screen_pop` (window.Zuoxi.on). Customer fields are attacker-controlled, so everything
   is built with createElement and textContent; links are only the site's own /customers/<id>. */
(function () {
  "use strict";

  var Z = window.Zuoxi;
  var panel = document.getElementById("screen-pop");
  var wordsNode = document.getElementById("screen-pop-words");
  if (!Z || !panel || !wordsNode) return;
  var words = JSON.parse(wordsNode.textContent || "{}");

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null && text !== "") node.textContent = String(text);
    return node;
  }

  function customerLink(card) {
    return /^\/customers\/\d+$/.test(card.link || "") ? card.link : null;
  }

  function close() {
    panel.hidden = true;
    while (panel.firstChild) panel.removeChild(panel.firstChild);
  }

  function header(pop) {
    var head = el("div", "pop-head");
    var kind = pop.internal ? words.internal : pop.direction === "outbound" ? words.outbound : words.inbound;
    head.appendChild(el("span", "pop-kind pop-" + (pop.direction || "inbound"), kind));
    head.appendChild(el("strong", "pop-number", pop.number));
    if (pop.location) head.appendChild(el("span", "pop-location", pop.location));
    head.appendChild(el("span", "pop-time", pop.at));
    var button = el("button", "pop-close", "×");
    button.type = "button";
    button.title = words.close;
    button.setAttribute("aria-label", words.close);
    button.addEventListener("click", close);
    head.appendChild(button);
    return head;
  }

  function list(title, items, empty, render) {
    var box = el("section", "pop-list");
    box.appendChild(el("h3", null, title));
    if (!items || !items.length) {
      box.appendChild(el("p", "muted", empty));
      return box;
    }
    var ul = el("ul");
    items.forEach(function (item) {
      ul.appendChild(render(item));
    });
    box.appendChild(ul);
    return box;
  }

  function followupItem(item) {
    var li = el("li");
    li.appendChild(el("span", "pop-when", item.at + (item.by ? " · " + item.by : "")));
    li.appendChild(el("div", "pop-text", item.content));
    return li;
  }

  function callItem(item) {
    var text = [item.at, item.direction, item.talk_seconds + words.seconds, item.agent].filter(Boolean).join(" · ");
    return el("li", null, text);
  }

  function orderItem(item) {
    var li = el("li");
    var link = el("a", null, item.number);
    link.href = item.link;
    li.appendChild(link);
    li.appendChild(document.createTextNode(" · " + [item.at, item.total, item.status].filter(Boolean).join(" · ")));
    return li;
  }

  function followupForm(pop, card) {
    var form = el("form", "pop-followup");
    form.appendChild(el("h3", null, words.followup_form));
    var content = el("textarea");
    content.name = "content";
    content.rows = 3;
    content.required = true;
    content.setAttribute("aria-label", words.content);
    content.placeholder = words.content;
    var remind = el("input");
    remind.type = "datetime-local";
    remind.name = "next_remind_at";
    var remindLabel = el("label", "pop-remind", words.remind_at);
    remindLabel.appendChild(remind);
    var save = el("button", "button primary", words.save);
    save.type = "submit";
    var message = el("div", "pop-message");
    [content, remindLabel, save, message].forEach(function (node) {
      form.appendChild(node);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      save.disabled = true;
      message.textContent = "";
      var body = {
        token: pop.token,
        customer_id: card.id,
        content: content.value,
        next_remind_at: remind.value.replace("T", " "),
      };
      Z.fetchJSON(panel.dataset.followupUrl, { method: "POST", body: body })
        .then(function (data) {
          message.textContent = data.message || words.saved;
          message.className = "pop-message ok";
          var box = form.parentNode.querySelector(".pop-list ul");
          var item = followupItem({ at: "", by: "", content: content.value });
          if (box) box.insertBefore(item, box.firstChild);
          content.value = "";
          remind.value = "";
        })
        .catch(function (error) {
          message.textContent = error.message;
          message.className = "pop-message error";
        })
        .finally(function () {
          save.disabled = false;
        });
    });
    return form;
  }

  function cardView(pop, card, full) {
    var box = el("article", "pop-card");
    var title = el("h2");
    var link = customerLink(card);
    var name = link ? el("a", null, card.name) : el("span", null, card.name);
    if (link) {
      name.href = link;
      name.target = "_blank";
      name.rel = "noopener";
      name.title = words.open;
    }
    title.appendChild(name);
    if (card.company) title.appendChild(el("small", null, card.company));
    box.appendChild(title);
    var facts = el("dl", "pop-facts");
    function fact(label, value) {
      if (!value) return;
      facts.appendChild(el("dt", null, label));
      facts.appendChild(el("dd", null, value));
    }
    fact(words.numbers, (card.numbers || []).join("、"));
    fact(words.owner, card.owner);
    (card.fields || []).forEach(function (field) {
      fact(field.label, field.value);
    });
    box.appendChild(facts);
    if (full) {
      // History comes in a second request so the ring itself costs only the number lookup.
      var history = el("div", "pop-history");
      box.appendChild(history);
      loadHistory(card, history);
      if (pop.can_add_followup) box.appendChild(followupForm(pop, card));
    }
    return box;
  }

  function loadHistory(card, target) {
    var url = panel.dataset.historyUrl.replace(/\/0$/, "/" + encodeURIComponent(card.id));
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { followups: [], calls: [] }; })
      .then(function (history) {
        target.appendChild(list(words.followups, history.followups, words.no_followups, followupItem));
        target.appendChild(list(words.calls, history.calls, words.no_calls, callItem));
        if (history.orders) target.appendChild(list(words.orders, history.orders, words.no_orders, orderItem));
      })
      .catch(function () { /* the card itself is already shown; the history is a courtesy */ });
  }

  function quickAdd(pop, body) {
    var form = el("form", "pop-quick-add");
    form.appendChild(el("p", null, words.unknown_hint));
    var name = el("input");
    name.type = "text";
    name.maxLength = 120;
    name.placeholder = words.name_placeholder;
    name.setAttribute("aria-label", words.name);
    var add = el("button", "button primary", words.quick_add);
    add.type = "submit";
    var message = el("div", "pop-message");
    [name, add, message].forEach(function (node) {
      form.appendChild(node);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      add.disabled = true;
      Z.fetchJSON(panel.dataset.quickAddUrl, { method: "POST", body: { token: pop.token, name: name.value } })
        .then(function (data) {
          Z.notify({ title: words.added, level: "success" });
          form.remove();
          body.appendChild(cardView(pop, data.card, true));
        })
        .catch(function (error) {
          message.textContent = error.message;
          message.className = "pop-message error";
          add.disabled = false;
        });
    });
    return form;
  }

  function show(pop) {
    close();
    panel.appendChild(header(pop));
    var body = el("div", "pop-body");
    if (pop.internal) {
      body.appendChild(el("p", "pop-internal", pop.internal.name + " (" + pop.internal.extension + ")"));
    } else if (pop.customers && pop.customers.length) {
      pop.customers.forEach(function (card, index) {
        if (index === 1) body.appendChild(el("h3", "pop-more", words.more));
        body.appendChild(cardView(pop, card, index === 0));
      });
    } else {
      body.appendChild(el("p", "pop-unknown", words.unknown));
      if (pop.can_add_customer) body.appendChild(quickAdd(pop, body));
    }
    panel.appendChild(body);
    panel.hidden = false;
  }

  Z.on("screen_pop", show);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden && panel.contains(document.activeElement)) close();
  });

  /* Busy / away with "forward to my mobile": saved as soon as it is ticked. */
  var forward = document.getElementById("forward-mobile");
  if (forward) {
    forward.addEventListener("change", function () {
      forward.disabled = true;
      Z.fetchJSON(forward.dataset.url, { method: "POST", body: { forward: forward.checked } })
        .catch(function (error) {
          forward.checked = !forward.checked;
          Z.notify({ title: error.message, level: "danger" });
        })
        .finally(function () {
          forward.disabled = false;
        });
    });
  }
})();
