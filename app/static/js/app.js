/* Zuoxi shell: menus, agent status, the real-time connection, notifications and small form helpers.
   Other pages use window.Zuoxi: fetchJSON, notify, on(event, handler), csrfToken.
   The CSP forbids inline scripts and every text from the server is set with textContent. */
(function () {
  "use strict";

  var body = document.body;
  var handlers = {};
  var socket = null;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  /* fetch with the CSRF header and JSON both ways; rejects with an Error carrying .status and .data. */
  function fetchJSON(url, options) {
    options = options || {};
    var method = (options.method || (options.body !== undefined ? "POST" : "GET")).toUpperCase();
    var headers = { Accept: "application/json", "X-Requested-With": "fetch" };
    var payload = options.body;
    if (method !== "GET" && method !== "HEAD") headers["X-CSRFToken"] = csrfToken();
    if (payload !== undefined && !(payload instanceof FormData) && !(payload instanceof URLSearchParams)) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(payload);
    }
    Object.keys(options.headers || {}).forEach(function (k) {
      headers[k] = options.headers[k];
    });
    return fetch(url, { method: method, headers: headers, body: payload, credentials: "same-origin" }).then(
      function (response) {
        var type = response.headers.get("Content-Type") || "";
        var parsed = type.indexOf("application/json") >= 0 ? response.json() : response.text();
        return parsed.then(function (data) {
          if (response.status === 401) goToLogin();
          if (!response.ok) {
            var message = (data && data.error) || response.statusText || String(response.status);
            var error = new Error(typeof message === "string" ? message : JSON.stringify(message));
            error.status = response.status;
            error.data = data;
            throw error;
          }
          return data;
        });
      }
    );
  }

  /* The session ended (signed out here or elsewhere, password changed): the login page, then back here. */
  function goToLogin() {
    var here = window.location.pathname + window.location.search;
    window.location.assign("/login?next=" + encodeURIComponent(here));
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /* Only links inside this site: a pushed link can never become javascript: or another origin. */
  function safeLink(link) {
    if (typeof link !== "string" || link.charAt(0) !== "/" || link.charAt(1) === "/" || link.indexOf("\\") >= 0) {
      return null;
    }
    return link;
  }

  /* ---- notifications: a toast now, and an entry in the panel behind the bell ---- */

  var unread = 0;
  var MAX_ENTRIES = 50;

  function setUnread(n) {
    unread = n;
    var badge = document.getElementById("notify-count");
    if (!badge) return;
    badge.textContent = String(n);
    badge.hidden = n === 0;
  }

  function notify(message) {
    message = message || {};
    var level = ["info", "success", "warning", "danger"].indexOf(message.level) >= 0 ? message.level : "info";
    var link = safeLink(message.link);
    var title = message.title || "";
    var text = message.body || "";

    var list = document.getElementById("notify-list");
    if (list) {
      var empty = list.querySelector(".empty");
      if (empty) empty.remove();
      var item = el("li", "notify-" + level);
      item.appendChild(el("span", "notify-time", new Date().toLocaleTimeString()));
      var heading = link ? el("a", "notify-title", title) : el("div", "notify-title", title);
      if (link) heading.href = link;
      item.appendChild(heading);
      if (text) item.appendChild(el("div", "notify-body", text));
      list.insertBefore(item, list.firstChild);
      while (list.children.length > MAX_ENTRIES) list.removeChild(list.lastChild);
      var panel = document.getElementById("notify-panel");
      if (!panel || panel.hidden) setUnread(unread + 1);
    }

    var box = document.getElementById("toasts");
    if (!box) return;
    var toast = el("div", "toast toast-" + level);
    toast.setAttribute("role", level === "danger" ? "alert" : "status");
    var close = el("button", "toast-close", "×");
    close.type = "button";
    close.setAttribute("aria-label", "close");
    close.addEventListener("click", function () {
      toast.remove();
    });
    toast.appendChild(close);
    var toastTitle = link ? el("a", "toast-title", title) : el("div", "toast-title", title);
    if (link) toastTitle.href = link;
    toast.appendChild(toastTitle);
    if (text) toast.appendChild(el("div", "toast-body", text));
    box.appendChild(toast);
    var sticky = message.sticky || level === "danger";
    if (!sticky) {
      setTimeout(function () {
        toast.remove();
      }, message.timeout || 6000);
    }
  }

  function setupNotifyPanel() {
    var toggle = document.getElementById("notify-toggle");
    var panel = document.getElementById("notify-panel");
    if (!toggle || !panel) return;
    toggle.setAttribute("aria-expanded", "false");
    toggle.addEventListener("click", function (event) {
      event.stopPropagation();
      panel.hidden = !panel.hidden;
      toggle.setAttribute("aria-expanded", String(!panel.hidden));
      if (!panel.hidden) setUnread(0);
    });
    document.addEventListener("click", function (event) {
      if (!panel.hidden && !panel.contains(event.target)) {
        panel.hidden = true;
        toggle.setAttribute("aria-expanded", "false");
      }
    });
  }

  /* ---- menus: hover opens them with a mouse; click, Enter, Space and arrows without one ---- */

  function closeMenus(except) {
    document.querySelectorAll(".menu-chapter.open, .user-menu.open").forEach(function (menu) {
      if (menu !== except) {
        menu.classList.remove("open");
        var button = menu.querySelector(":scope > button");
        if (button) button.setAttribute("aria-expanded", "false");
      }
    });
  }

  function menuItems(menu) {
    return Array.prototype.slice.call(menu.querySelectorAll(".menu-drop a, .menu-drop button"));
  }

  function setupMenus() {
    document.querySelectorAll(".menu-chapter, .user-menu").forEach(function (menu) {
      var button = menu.querySelector(":scope > button");
      if (!button || !menu.querySelector(".menu-drop")) return;
      button.setAttribute("aria-expanded", "false");
      button.addEventListener("click", function (event) {
        event.stopPropagation();
        var open = !menu.classList.contains("open");
        closeMenus(menu);
        menu.classList.toggle("open", open);
        button.setAttribute("aria-expanded", String(open));
      });
      button.addEventListener("keydown", function (event) {
        if (event.key === "ArrowDown") {
          event.preventDefault();
          event.stopPropagation();
          closeMenus(menu);
          menu.classList.add("open");
          button.setAttribute("aria-expanded", "true");
          var items = menuItems(menu);
          if (items.length) items[0].focus();
        }
      });
      menu.addEventListener("keydown", function (event) {
        var items = menuItems(menu);
        var index = items.indexOf(document.activeElement);
        if (event.key === "Escape") {
          closeMenus();
          button.focus();
        } else if (index >= 0 && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
          event.preventDefault();
          var step = event.key === "ArrowDown" ? 1 : -1;
          items[(index + step + items.length) % items.length].focus();
        }
      });
      menu.addEventListener("focusout", function (event) {
        if (!menu.contains(event.relatedTarget)) {
          menu.classList.remove("open");
          button.setAttribute("aria-expanded", "false");
        }
      });
    });
    document.addEventListener("click", function () {
      closeMenus();
    });
  }

  /* ---- agent status: saved as soon as it is chosen; every tab follows the `agent_status` event ---- */

  function showAgentStatus(status) {
    var select = document.getElementById("agent-status-select");
    if (!select || !status) return;
    select.value = status;
    select.className = select.className.replace(/\bstatus-\S+/g, "").trim();
    select.classList.add("status-" + status);
    select.setAttribute("data-status", status);
  }

  function setupAgentStatus() {
    var select = document.getElementById("agent-status-select");
    if (!select) return;
    var saved = select.value;
    select.addEventListener("change", function (event) {
      event.stopImmediatePropagation();
      var form = select.form;
      var wanted = select.value;
      var data = new FormData(form); // before disabling: a disabled field is left out of the form data
      select.disabled = true;
      fetchJSON(form.action, { method: "POST", body: data })
        .then(function (data) {
          saved = data.status || wanted;
          showAgentStatus(saved);
        })
        .catch(function (error) {
          showAgentStatus(saved);
          notify({ title: error.message, level: "danger" });
        })
        .finally(function () {
          select.disabled = false;
        });
    });
    on("agent_status", function (data) {
      saved = data.status;
      showAgentStatus(data.status);
    });
  }

  /* ---- the real-time connection and its indicator ---- */

  function showConnection(state) {
    var indicator = document.getElementById("rt-status");
    if (!indicator) return;
    indicator.classList.remove("rt-connecting", "rt-connected", "rt-disconnected");
    var labelKey = { connected: "labelOnline", disconnected: "labelOffline", connecting: "labelConnecting" }[state];
    indicator.classList.add("rt-" + state);
    indicator.setAttribute("data-state", state);
    var label = indicator.querySelector(".rt-label");
    var text = indicator.dataset[labelKey] || state;
    if (label) label.textContent = text;
    indicator.title = text;
  }

  /* Subscribe to a Socket.IO event; works before and after the connection exists. */
  function on(event, handler) {
    (handlers[event] = handlers[event] || []).push(handler);
    if (socket) socket.on(event, handler);
  }

  function connectSocket() {
    if (!body.dataset.userId || typeof window.io !== "function") return;
    showConnection("connecting");
    socket = window.io({ reconnectionDelayMax: 10000 });
    Object.keys(handlers).forEach(function (event) {
      handlers[event].forEach(function (handler) {
        socket.on(event, handler);
      });
    });
    socket.on("connect", function () {
      showConnection("connected");
    });
    socket.on("disconnect", function () {
      showConnection("disconnected");
    });
    socket.on("session_ended", function () {
      socket.disconnect();
      goToLogin();
    });
    socket.on("connect_error", function () {
      showConnection("disconnected");
    });
    socket.io.on("reconnect_attempt", function () {
      showConnection("connecting");
    });
    api.socket = socket;
  }

  /* ---- forms: data-autosubmit and data-confirm ---- */

  function setupForms() {
    document.addEventListener("change", function (event) {
      var target = event.target;
      if (!target.form) return;
      if (target.hasAttribute("data-autosubmit") || target.form.hasAttribute("data-autosubmit")) {
        if (target.form.requestSubmit) target.form.requestSubmit();
        else target.form.submit();
      }
    });
    document.addEventListener(
      "submit",
      function (event) {
        var form = event.target;
        var submitter = event.submitter;
        var question =
          (submitter && submitter.getAttribute("data-confirm")) || (form && form.getAttribute("data-confirm"));
        if (question && !window.confirm(question)) {
          event.preventDefault();
          event.stopImmediatePropagation();
        }
      },
      true
    );
    document.addEventListener(
      "click",
      function (event) {
        var link = event.target.closest && event.target.closest("a[data-confirm]");
        if (link && !window.confirm(link.getAttribute("data-confirm"))) event.preventDefault();
      },
      true
    );
  }

  var api = {
    csrfToken: csrfToken,
    fetchJSON: fetchJSON,
    notify: notify,
    on: on,
    socket: null,
  };
  window.Zuoxi = api;

  setupMenus();
  setupNotifyPanel();
  setupForms();
  setupAgentStatus();
  on("notify", notify);
  connectSocket();
})();
