/* The phone bar: call status with a timer, dial pad, call controls enabled by the call's state, the
   attended-transfer outcomes, park slots, picking up colleagues, speed dial, today's calls, hotkeys,
   and click-to-dial on any [data-dial] element of the app ("phone:<id>" dials a stored customer number
   by id, so a hidden number never reaches the browser). Text only through textContent. */
(function () {
  "use strict";

  var bar = document.getElementById("phonebar");
  if (!bar || !window.Zuoxi) return;
  var Z = window.Zuoxi;
  var base = bar.dataset.urlBase;
  var config = {};
  try {
    config = JSON.parse(bar.dataset.config || "{}");
  } catch (e) {
    config = {};
  }
  var current = null; // last /phone/state answer
  var muted = false;
  var popNames = {}; // uuid -> customer name from the screen_pop event
  var timerHandle = null;
  var pollHandle = null;

  document.body.classList.add("has-phonebar");

  function part(name) {
    return bar.querySelector('[data-pb="' + name + '"]');
  }

  function label(key) {
    return bar.dataset["label" + key.charAt(0).toUpperCase() + key.slice(1).replace(/-(\w)/g, function (m, c) {
      return c.toUpperCase();
    })] || key;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function button(text, handler, className) {
    var b = el("button", "pb-btn " + (className || ""), text);
    b.type = "button";
    b.addEventListener("click", handler);
    return b;
  }

  function showError(message) {
    var box = part("error");
    box.textContent = message || "";
    box.hidden = !message;
    if (message) Z.notify({ title: message, level: "warning" });
  }

  /* POST a command; refresh the state soon after (the switch's events follow the command). */
  function command(path, body) {
    showError("");
    return Z.fetchJSON(base + path, { method: "POST", body: body || {} })
      .then(function (data) {
        if (data && data.status === "ringing") Z.notify({ title: label("ringing-you"), level: "info" });
        scheduleRefresh();
        return data;
      })
      .catch(function (error) {
        showError(error.message);
        throw error;
      });
  }

  function quiet(promise) {
    promise.catch(function () {});
  }

  /* ---- state ---- */

  function refresh() {
    return Z.fetchJSON(bar.dataset.urlState).then(render, function () {});
  }

  function scheduleRefresh() {
    [400, 1500, 4000].forEach(function (ms) {
      setTimeout(refresh, ms);
    });
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function tick() {
    var call = current && current.call;
    var since = call && (call.answered_at || call.started_at);
    part("timer").textContent = since ? formatSeconds(Math.max(0, Math.round((Date.now() - since) / 1000))) : "";
  }

  function formatSeconds(s) {
    var h = Math.floor(s / 3600);
    var text = pad(Math.floor((s % 3600) / 60)) + ":" + pad(s % 60);
    return h ? h + ":" + text : text;
  }

  function setEnabled(action, enabled, visible) {
    var b = bar.querySelector('[data-action="' + action + '"]');
    if (!b) return;
    b.disabled = !enabled;
    if (visible !== undefined) b.hidden = !visible;
  }

  function render(state) {
    current = state;
    var call = state.call;
    var status = !state.extension ? "noext" : call ? call.state : "idle";
    bar.setAttribute("data-call-state", status);
    part("state").textContent = state.switch === "offline" && !call ? label("offline") : label(status);
    part("number").textContent = call ? call.number : "";
    var name = call ? (call.customer && call.customer.name) || popNames[call.uuid] || "" : "";
    part("name").textContent = name;
    var ringing = call && (call.state === "ringing" || call.state === "early");
    var connected = call && call.connected;
    var consult = state.consult;
    if (!call) muted = false;
    setEnabled("answer", ringing);
    setEnabled("hangup", !!call && !consult);
    setEnabled("hold", connected && !call.held && !consult, !(call && call.held));
    setEnabled("unhold", connected && call.held && !consult, !!(call && call.held));
    setEnabled("mute", connected && !muted, !muted);
    setEnabled("unmute", connected && muted, muted);
    setEnabled("transfer-panel", connected || !!consult);
    setEnabled("park", connected && !consult);
    setEnabled("redial", !call && !!state.extension);
    bar.querySelector('[data-action="dial"]').disabled = !!call || !state.extension;
    renderConsult(consult);
    renderSlots(state.slots || [], connected && !consult);
    renderRinging(state.ringing || [], !call);
    clearInterval(timerHandle);
    timerHandle = call ? setInterval(tick, 1000) : null;
    tick();
    clearInterval(pollHandle);
    pollHandle = setInterval(refresh, call || consult ? 3000 : 30000);
  }

  function renderConsult(consult) {
    var box = part("consult");
    box.hidden = !consult;
    if (!consult) return;
    var text = consult.state === "choosing" ? label("choosing") : label(consult.state) + " " + (consult.target || "");
    part("consult-label").textContent = text;
    box.querySelectorAll("[data-consult]").forEach(function (b) {
      b.hidden = consult.actions.indexOf(b.getAttribute("data-consult")) < 0;
    });
  }

  function renderSlots(slots, canPark) {
    var list = part("slots");
    list.textContent = "";
    slots.forEach(function (slot) {
      var item = el("li", slot.occupied ? "pb-slot occupied" : "pb-slot");
      item.appendChild(el("span", "pb-slot-no", slot.slot));
      item.appendChild(el("span", "pb-slot-who", slot.occupied ? slot.number || "—" : label("free")));
      if (slot.occupied) {
        item.appendChild(button(label("pickup"), function () {
          quiet(command("/pickup-slot", { slot: slot.slot }));
        }));
      } else if (canPark) {
        item.appendChild(button(label("park-here"), function () {
          quiet(command("/park", { slot: slot.slot }));
        }));
      }
      list.appendChild(item);
    });
  }

  function renderRinging(rows, idle) {
    var list = part("ringing");
    list.textContent = "";
    if (!rows.length) list.appendChild(el("li", "pb-empty", label("none")));
    rows.forEach(function (row) {
      var item = el("li");
      item.appendChild(el("span", "", row.name + " (" + row.extension + ")"));
      var b = button(label("intercept"), function () {
        quiet(command("/intercept", { uuid: row.uuid }));
      });
      b.disabled = !idle;
      item.appendChild(b);
      list.appendChild(item);
    });
  }

  /* ---- lists: speed dial, today's calls, transfer directory ---- */

  function loadSpeed() {
    Z.fetchJSON(bar.dataset.urlSpeed).then(function (data) {
      var list = part("speed");
      list.textContent = "";
      if (!data.entries.length) list.appendChild(el("li", "pb-empty", label("none")));
      data.entries.forEach(function (entry) {
        var item = el("li");
        var name = el("button", "pb-link", entry.name);
        name.type = "button";
        name.title = entry.number;
        name.addEventListener("click", function () {
          quiet(command("/speed-dial/" + entry.id + "/dial"));
        });
        item.appendChild(name);
        item.appendChild(el("span", "pb-muted", entry.number + (entry.shared ? " · " + label("shared") : "")));
        if (entry.editable) {
          item.appendChild(button(label("delete"), function () {
            if (!window.confirm(label("confirm-delete"))) return;
            command("/speed-dial/" + entry.id + "/delete").then(loadSpeed, function () {});
          }, "pb-small"));
        }
        list.appendChild(item);
      });
    }, function () {});
  }

  function loadToday() {
    Z.fetchJSON(bar.dataset.urlToday).then(function (data) {
      var list = part("today");
      list.textContent = "";
      if (!data.calls.length) list.appendChild(el("li", "pb-empty", label("none")));
      data.calls.forEach(function (call) {
        var item = el("li", "pb-call-" + call.status);
        item.appendChild(el("span", "pb-muted", call.time));
        item.appendChild(el("span", "", call.direction_label || label(call.direction) || ""));
        item.appendChild(el("span", "", call.customer || call.number));
        item.appendChild(el("span", "pb-muted", call.status_label || call.status));
        item.appendChild(button(label("callback"), function () {
          quiet(command("/callback", { call_id: call.id }));
        }, "pb-small"));
        list.appendChild(item);
      });
    }, function () {});
  }

  function loadDirectory() {
    Z.fetchJSON(bar.dataset.urlDirectory).then(function (data) {
      var list = document.getElementById("pb-directory");
      list.textContent = "";
      data.agents.forEach(function (a) {
        var option = el("option");
        option.value = a.extension;
        option.label = a.name;
        list.appendChild(option);
      });
      data.groups.forEach(function (g) {
        var option = el("option");
        option.value = g.number;
        option.label = g.name;
        list.appendChild(option);
      });
    }, function () {});
  }

  /* ---- panel ---- */

  var panel = document.getElementById("pb-panel");
  var toggle = bar.querySelector('[data-action="toggle-panel"]');

  function openTab(name) {
    panel.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    bar.querySelectorAll("[data-tab]").forEach(function (tab) {
      tab.setAttribute("aria-selected", String(tab.getAttribute("data-tab") === name));
    });
    bar.querySelectorAll("[data-pane]").forEach(function (pane) {
      pane.hidden = pane.getAttribute("data-pane") !== name;
    });
    if (name === "speed") loadSpeed();
    if (name === "today") loadToday();
    if (name === "transfer") loadDirectory();
  }

  toggle.addEventListener("click", function () {
    if (panel.hidden) openTab("keypad");
    else {
      panel.hidden = true;
      toggle.setAttribute("aria-expanded", "false");
    }
  });
  bar.querySelectorAll("[data-tab]").forEach(function (tab) {
    tab.addEventListener("click", function () {
      openTab(tab.getAttribute("data-tab"));
    });
  });

  /* ---- controls ---- */

  var input = part("input");

  function dialNumber(number) {
    if (!number) return;
    quiet(command("/dial", { number: number }));
  }

  part("dial-form").addEventListener("submit", function (event) {
    event.preventDefault();
    dialNumber(input.value.trim());
  });

  var actions = {
    answer: function () { quiet(command("/answer")); },
    hangup: function () { quiet(command("/hangup")); },
    hold: function () { quiet(command("/hold")); },
    unhold: function () { quiet(command("/unhold")); },
    mute: function () {
      command("/mute", { muted: true }).then(function () { muted = true; render(current); }, function () {});
    },
    unmute: function () {
      command("/mute", { muted: false }).then(function () { muted = false; render(current); }, function () {});
    },
    "transfer-panel": function () { openTab("transfer"); },
    park: function () { quiet(command("/park")); },
    redial: function () { quiet(command("/redial")); },
  };
  bar.querySelectorAll("[data-action]").forEach(function (b) {
    var name = b.getAttribute("data-action");
    if (actions[name]) b.addEventListener("click", actions[name]);
  });

  bar.querySelectorAll("[data-consult]").forEach(function (b) {
    b.addEventListener("click", function () {
      var action = b.getAttribute("data-consult");
      if (action === "reconsult") {
        openTab("transfer");
      }
      quiet(command("/consult/" + action));
    });
  });

  var target = part("target");
  part("transfer-form").addEventListener("submit", function (event) {
    event.preventDefault();
    quiet(command("/transfer", { target: target.value.trim() }));
  });
  bar.querySelector('[data-transfer="consult"]').addEventListener("click", function () {
    quiet(command("/consult", { target: target.value.trim() }));
  });

  bar.querySelectorAll("[data-key]").forEach(function (key) {
    key.addEventListener("click", function () {
      var digit = key.getAttribute("data-key");
      if (current && current.call && current.call.connected) quiet(command("/dtmf", { digits: digit }));
      else {
        input.value += digit;
        input.focus();
      }
    });
  });

  part("speed-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    var shared = form.querySelector('[name="shared"]');
    var body = { name: form.name.value, number: form.number.value, shared: !!(shared && shared.checked) };
    command("/speed-dial", body).then(function () {
      form.reset();
      loadSpeed();
    }, function () {});
  });

  /* ---- click-to-dial anywhere in the app ---- */

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-dial]");
    if (!link || bar.contains(link)) return;
    event.preventDefault();
    var value = link.getAttribute("data-dial") || "";
    if (value.indexOf("phone:") === 0) quiet(command("/dial", { phone_id: value.slice(6) }));
    else dialNumber(value);
  });

  function markDialable(root) {
    (root.querySelectorAll ? root.querySelectorAll("[data-dial]") : []).forEach(function (node) {
      node.classList.add("dialable");
      if (!node.title) node.title = bar.querySelector('[data-action="dial"]').textContent;
    });
  }
  markDialable(document);
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      change.addedNodes.forEach(function (node) {
        if (node.nodeType === 1) markDialable(node.parentNode || node);
      });
    });
  }).observe(document.body, { childList: true, subtree: true });

  /* ---- hotkeys ---- */

  function keyName(event) {
    var parts = [];
    if (event.ctrlKey) parts.push("Ctrl");
    if (event.altKey) parts.push("Alt");
    if (event.shiftKey) parts.push("Shift");
    if (event.metaKey) parts.push("Meta");
    var key = event.key && event.key.length === 1 ? event.key.toUpperCase() : event.key;
    if (/^Key[A-Z]$/.test(event.code || "")) key = event.code.slice(3);
    if (/^Digit\d$/.test(event.code || "")) key = event.code.slice(5);
    parts.push(key);
    return parts.join("+");
  }

  var hotkeys = config.hotkeys || {};
  document.addEventListener("keydown", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-hotkey-input")) return;
    var name = keyName(event);
    var call = current && current.call;
    if (name === hotkeys.answer && call && (call.state === "ringing" || call.state === "early")) {
      event.preventDefault();
      actions.answer();
    } else if (name === hotkeys.hangup && call) {
      event.preventDefault();
      actions.hangup();
    } else if (name === hotkeys.next && !call) {
      event.preventDefault();
      actions.redial();
    }
  });

  /* The settings page: pressing a key fills the field with its name. */
  document.querySelectorAll("[data-hotkey-input]").forEach(function (field) {
    field.addEventListener("keydown", function (event) {
      if (event.key === "Tab") return;
      event.preventDefault();
      if (event.key === "Backspace" || event.key === "Delete") field.value = "";
      else if (["Control", "Alt", "Shift", "Meta"].indexOf(event.key) < 0) field.value = keyName(event);
    });
  });
  var defaultsButton = document.querySelector("[data-hotkey-defaults]");
  if (defaultsButton) {
    defaultsButton.addEventListener("click", function () {
      var defaults = JSON.parse(defaultsButton.getAttribute("data-defaults") || "{}");
      Object.keys(defaults).forEach(function (name) {
        var field = document.querySelector('[data-hotkey-input][name="' + name + '"]');
        if (field) field.value = defaults[name];
      });
    });
  }

  /* ---- real time ---- */

  Z.on("screen_pop", function (pop) {
    if (!pop || !pop.uuid) return;
    var first = pop.customers && pop.customers[0];
    popNames[pop.uuid] = (first && first.name) || (pop.internal && pop.internal.name) || "";
    refresh();
  });
  Z.on("call_state", refresh);
  Z.on("agent_status", refresh);
  Z.on("connect", refresh);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) refresh();
  });

  refresh();
})();
