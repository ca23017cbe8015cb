/* Customer pages: phone/contact rows on the form, confirmations, and the list's 更多操作 dialog.
   Plain ES2017; every text from the page goes in with textContent. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // -- add / remove rows on the customer form ------------------------------------------------
  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      var template = document.getElementById(add.getAttribute("data-template"));
      var target = document.querySelector('[data-rows="' + add.getAttribute("data-add-row") + '"]');
      if (template && target) {
        var row = template.content.firstElementChild.cloneNode(true);
        target.appendChild(row);
        var first = row.querySelector("input:not([type=hidden])");
        if (first) first.focus();
      }
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      var owner = remove.closest("[data-row]");
      if (owner) owner.remove();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
  });

  // -- 更多操作 on the list -------------------------------------------------------------------
  var configNode = document.getElementById("customers-batch-config");
  if (!configNode) return;
  var config = JSON.parse(configNode.textContent);
  var dialog = document.getElementById("batch-dialog");
  var form = document.getElementById("batch-form");
  var errorBox = dialog.querySelector("[data-batch-error]");
  var toggle = document.querySelector("[data-more-toggle]");
  var menu = document.querySelector(".more-menu");
  var current = null;

  function grid() {
    return window.ZuoxiGrid ? window.ZuoxiGrid.get(config.grid_id) : null;
  }

  function selectedIds() {
    var g = grid();
    return g ? g.selectedIds() : [];
  }

  function show(part, visible) {
    var node = dialog.querySelector('[data-part="' + part + '"]');
    if (node) node.hidden = !visible;
  }

  function toast(message, kind) {
    var box = document.getElementById("toasts");
    if (!box) return window.alert(message);
    var item = document.createElement("div");
    item.className = "toast toast-" + (kind || "success");
    item.textContent = message;
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, 5000);
  }

  function fillMergeChoices(ids) {
    var holder = dialog.querySelector("[data-merge-choices]");
    holder.textContent = "";
    ids.forEach(function (id, index) {
      var label = document.createElement("label");
      var radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "keep_id";
      radio.value = id;
      radio.checked = index === 0;
      label.appendChild(radio);
      label.appendChild(document.createTextNode(" #" + id));
      holder.appendChild(label);
    });
  }

  function open(action) {
    var ids = selectedIds();
    if (action === "merge" && ids.length !== 2) return toast(config.i18n.merge_two, "warning");
    current = action;
    errorBox.textContent = "";
    dialog.querySelector("#batch-title").textContent = config.titles[action] || action;
    dialog.querySelector("[data-selected-count]").textContent = String(ids.length);
    show("scope", action !== "merge");
    show("assign", action === "assign");
    show("set", action === "set");
    show("merge", action === "merge");
    show("password", false);
    if (action === "merge") fillMergeChoices(ids);
    form.querySelector('input[name="mode"][value="' + (ids.length ? "selected" : "all") + '"]').checked = true;
    form.password.value = "";
    updatePassword();
    dialog.showModal();
  }

  function updatePassword() {
    var mode = form.querySelector('input[name="mode"]:checked');
    show("password", current === "delete" && mode && mode.value !== "selected");
  }

  function payload() {
    var mode = form.querySelector('input[name="mode"]:checked').value;
    var g = grid();
    var body = { mode: mode, ids: selectedIds(), limit: parseInt(form.limit.value, 10) || 0 };
    if (mode !== "selected" && g) body.params = g.currentParams();
    if (current === "assign") {
      body.assign = form.querySelector('input[name="assign"]:checked').value;
      body.agent_id = form.agent_id.value;
    } else if (current === "set") {
      body.field = form.field.value;
      body.value = form.value.value;
    } else if (current === "merge") {
      var keep = form.querySelector('input[name="keep_id"]:checked');
      body.keep_id = keep ? keep.value : null;
    } else if (current === "delete") {
      body.password = form.password.value;
    }
    return body;
  }

  function confirmAction() {
    var body = payload();
    if (body.mode === "selected" && !body.ids.length) {
      errorBox.textContent = config.i18n.none_selected;
      return;
    }
    if (body.mode === "all" && current !== "delete" && !window.confirm(config.i18n.confirm_all)) return;
    fetch(config.urls[current], {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: JSON.stringify(body),
    })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        if (!result.ok) {
          errorBox.textContent = (result.data && result.data.error) || config.i18n.failed;
          return;
        }
        dialog.close();
        toast(config.i18n.done.replace("%(n)s", String(result.data.count)));
        var g = grid();
        if (g && g.reload) g.reload();
        else window.location.reload();
      })
      .catch(function () { errorBox.textContent = config.i18n.failed; });
  }

  if (toggle && menu) {
    toggle.addEventListener("click", function () {
      menu.hidden = !menu.hidden;
      toggle.setAttribute("aria-expanded", String(!menu.hidden));
    });
    menu.addEventListener("click", function (event) {
      var button = event.target.closest("[data-batch-action]");
      if (!button) return;
      menu.hidden = true;
      toggle.setAttribute("aria-expanded", "false");
      open(button.getAttribute("data-batch-action"));
    });
    document.addEventListener("click", function (event) {
      if (!event.target.closest(".more-actions")) menu.hidden = true;
    });
  }
  form.addEventListener("change", updatePassword);
  dialog.querySelector("[data-batch-confirm]").addEventListener("click", confirmAction);
  dialog.querySelector("[data-batch-cancel]").addEventListener("click", function () { dialog.close(); });
})();
