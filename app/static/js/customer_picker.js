/* Customer picker ([data-customer-picker], macro customers/_picker.html): searches as the user types (name,
   company or phone), lists name, masked number and owner, and puts the chosen customer's id in the hidden
   field. Customer data is attacker-controlled, so every text is set with textContent. */
(function () {
  "use strict";

  var DELAY_MS = 250;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = String(text);
    return node;
  }

  function setup(root, index) {
    var hidden = root.querySelector("[data-picker-value]");
    var input = root.querySelector(".picker-input");
    var list = root.querySelector(".picker-results");
    var status = root.querySelector(".picker-status");
    var url = root.getAttribute("data-search-url");
    var chosenText = hidden.value ? input.value : "";
    var timer = null;
    var sequence = 0;
    var entries = [];
    var active = -1;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    /* Text that is not a chosen customer must not be saved as if it were one. */
    function checkValidity() {
      var typed = input.value.trim();
      input.setCustomValidity(typed && !hidden.value ? root.getAttribute("data-unpicked") : "");
    }

    function highlight(position) {
      var items = list.querySelectorAll("li[role=option]");
      if (!items.length) return;
      active = (position + items.length) % items.length;
      items.forEach(function (item, i) {
        item.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function choose(entry) {
      hidden.value = String(entry.id);
      input.value = entry.name;
      chosenText = input.value;
      status.textContent = [entry.company, entry.phone, entry.owner].filter(Boolean).join(" · ");
      checkValidity();
      close();
      hidden.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function render(data) {
      list.replaceChildren();
      entries = data.customers || [];
      entries.forEach(function (entry, i) {
        var item = el("li", "picker-option");
        item.id = "picker-" + index + "-option-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("data-customer-id", String(entry.id));
        item.appendChild(el("span", "picker-name", entry.name));
        item.appendChild(el("span", "picker-phone", entry.phone));
        item.appendChild(el("span", "picker-company", entry.company));
        item.appendChild(el("span", "picker-owner", entry.owner));
        item.addEventListener("mousedown", function (event) {
          event.preventDefault(); /* keep the focus in the text box */
          choose(entry);
        });
        list.appendChild(item);
      });
      if (!entries.length) list.appendChild(el("li", "picker-empty", root.getAttribute("data-empty")));
      if (data.more) list.appendChild(el("li", "picker-more", root.getAttribute("data-more")));
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }

    function search(text) {
      var mine = ++sequence;
      window.Zuoxi.fetchJSON(url + "?q=" + encodeURIComponent(text)).then(
        function (data) {
          if (mine === sequence) render(data);
        },
        function (error) {
          if (mine !== sequence) return;
          close();
          status.textContent = error.message;
        }
      );
    }

    input.addEventListener("input", function () {
      if (input.value !== chosenText && hidden.value) {
        hidden.value = "";
        status.textContent = "";
        hidden.dispatchEvent(new Event("change", { bubbles: true }));
      }
      checkValidity();
      window.clearTimeout(timer);
      var text = input.value.trim();
      if (!text) {
        sequence++;
        close();
        return;
      }
      timer = window.setTimeout(function () {
        search(text);
      }, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter") {
        event.preventDefault(); /* choosing, not submitting the form */
        if (active >= 0 && entries[active]) choose(entries[active]);
        else if (entries.length === 1) choose(entries[0]);
      } else if (event.key === "Escape") {
        close();
      }
    });

    input.addEventListener("blur", function () {
      close();
    });
    checkValidity();
  }

  document.querySelectorAll("[data-customer-picker]").forEach(setup);
})();
