/* Zuoxi data grid: mounts Tabulator (remote paging, sorting, filtering) on every .zgrid container.
 *
 * The container holds <script type="application/json" class="zgrid-config"> rendered by the server
 * (app/grid/templates/grid/macros.html). All DOM is built with createElement/textContent; every UI
 * string comes from config.i18n so it follows the user's language.
 *
 * Page scripts: window.ZuoxiGrid.get(gridId) → {selectedIds(), currentParams(), reload(), clearSelection(), table}.
 * Events on the container: "zgrid:selection" (detail.ids) and "zgrid:loaded" (detail.total).
 */
(function () {
  "use strict";
  if (window.ZuoxiGrid) return;

  const registry = new Map();

  function el(tag, props, children) {
    const node = document.createElement(tag);
    Object.entries(props || {}).forEach(([key, value]) => {
      if (value === undefined || value === null || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach((child) => {
      if (child !== null && child !== undefined) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function fill(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, (match, key) => (key in values ? values[key] : match));
  }

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function isEmpty(value) {
    return value === null || value === undefined || value === "";
  }

  const NO_VALUE_OPS = ["empty", "notempty"];

  class Grid {
    constructor(root) {
      this.root = root;
      this.config = JSON.parse(root.querySelector("script.zgrid-config").textContent);
      this.t = this.config.i18n || {};
      this.columns = this.config.columns.map((column, index) => Object.assign({ order: index }, column));
      this.byKey = new Map(this.columns.map((column) => [column.key, column]));
      this.filters = new Map();
      this.q = "";
      this.quick = "";
      this.selected = new Set();
      this.loading = false;
      this.popover = null;
      this.buildChrome();
      this.mountTable();
    }

    // -- chrome: toolbar, chips, error banner ------------------------------------------------

    buildChrome() {
      const t = this.t;
      this.toolbar = el("div", { className: "zgrid-toolbar" });
      const left = el("div", { className: "zgrid-toolbar-left" });
      const right = el("div", { className: "zgrid-toolbar-right" });
      if (this.config.searchable) {
        this.searchInput = el("input", {
          type: "search",
          className: "zgrid-search",
          placeholder: t.search_placeholder,
          "aria-label": t.search,
          maxlength: "100",
        });
        let timer = null;
        this.searchInput.addEventListener("input", () => {
          clearTimeout(timer);
          timer = setTimeout(() => this.setSearch(this.searchInput.value), 400);
        });
        this.searchInput.addEventListener("keydown", (event) => {
          if (event.key === "Enter") {
            event.preventDefault();
            clearTimeout(timer);
            this.setSearch(this.searchInput.value);
          }
        });
        left.appendChild(this.searchInput);
      }
      if (this.config.quick_filters.length) {
        this.quickBar = el("div", { className: "zgrid-quick", role: "group" });
        const all = [["", t.all]].concat(this.config.quick_filters);
        all.forEach(([name, label]) => {
          const button = el("button", { type: "button", className: "zgrid-chip-button", "data-quick": name, text: label });
          button.addEventListener("click", () => this.setQuick(name));
          this.quickBar.appendChild(button);
        });
        left.appendChild(this.quickBar);
        this.markQuick();
      }
      this.selectedLabel = el("span", { className: "zgrid-selected", hidden: true });
      right.appendChild(this.selectedLabel);
      const chooser = el("button", { type: "button", className: "zgrid-button", text: t.columns, title: t.columns_title });
      chooser.addEventListener("click", (event) => this.openChooser(event.currentTarget));
      right.appendChild(chooser);
      if (this.config.export_url) {
        [["xlsx", t.export_xlsx], ["csv", t.export_csv]].forEach(([format, label]) => {
          const button = el("button", { type: "button", className: "zgrid-button", text: label });
          button.addEventListener("click", () => this.download(format));
          right.appendChild(button);
        });
      }
      this.toolbar.append(left, right);
      this.chips = el("div", { className: "zgrid-chips", hidden: true });
      this.errorBox = el("div", { className: "zgrid-error", role: "alert", hidden: true });
      this.tableHolder = el("div", { className: "zgrid-table" });
      this.root.append(this.toolbar, this.chips, this.errorBox, this.tableHolder);
    }

    showError(message) {
      this.errorBox.textContent = "";
      if (!message) {
        this.errorBox.hidden = true;
        return;
      }
      const retry = el("button", { type: "button", className: "zgrid-link-button", text: this.t.retry });
      retry.addEventListener("click", () => this.reload());
      this.errorBox.append(el("strong", { text: this.t.error + ":" }), " ", message, " ", retry);
      this.errorBox.hidden = false;
    }

    // -- Tabulator -------------------------------------------------------------------------

    mountTable() {
      const t = this.t;
      const visible = new Set(this.columns.filter((c) => c.visible && c.sortable).map((c) => c.key));
      const initialSort = (this.config.default_sort || [])
        .filter((s) => visible.has(s.field))
        .map((s) => ({ column: s.field, dir: s.dir }))
        .reverse(); // Tabulator applies the last entry first
      this.table = new Tabulator(this.tableHolder, {
        layout: "fitDataStretch",
        // A bounded height keeps the pager in view; the page can set data-height on the container.
        height: this.root.dataset.height || undefined,
        maxHeight: this.root.dataset.height ? undefined : "max(320px, calc(100vh - 240px))",
        placeholder: t.empty,
        columns: this.columnDefs(),
        index: "id",
        ajaxURL: this.config.data_url,
        ajaxRequestFunc: (url, config, params) => this.load(url, params),
        pagination: true,
        paginationMode: "remote",
        sortMode: "remote",
        filterMode: "remote",
        paginationSize: this.config.page_sizes[0],
        paginationSizeSelector: this.config.page_sizes,
        paginationCounter: () => this.counter(),
        paginationButtonCount: 5,
        initialSort: initialSort,
        selectableRows: this.config.selectable ? true : false,
        locale: "zuoxi",
        langs: {
          zuoxi: {
            data: { loading: t.loading, error: t.error },
            pagination: {
              page_size: t.page_size,
              page_title: t.page_size,
              first: t.first,
              first_title: t.first,
              last: t.last,
              last_title: t.last,
              prev: t.prev,
              prev_title: t.prev,
              next: t.next,
              next_title: t.next,
              all: t.all,
            },
          },
        },
      });
      this.table.on("rowSelectionChanged", (data, rows, selectedRows, deselectedRows) => this.trackSelection(selectedRows, deselectedRows));
      this.table.on("dataProcessed", () => this.restoreSelection());
      this.table.on("columnResized", (column) => this.rememberWidth(column));
      if (this.config.row_link) {
        this.table.on("rowDblClick", (event, row) => {
          window.location.href = this.rowUrl(row.getData().id);
        });
      }
    }

    columnDefs() {
      const defs = [];
      if (this.config.selectable) {
        defs.push({
          formatter: "rowSelection",
          titleFormatter: "rowSelection",
          hozAlign: "center",
          headerSort: false,
          resizable: false,
          frozen: true,
          width: 36,
          cssClass: "zgrid-select-cell",
        });
      }
      const shown = this.columns.filter((c) => c.visible);
      shown.forEach((column, index) => {
        defs.push({
          title: column.label,
          field: column.key,
          width: Math.max(column.width || 0, 84),
          minWidth: 48,
          headerSort: column.sortable,
          headerTooltip: column.label,
          hozAlign: column.type === "number" || column.type === "money" ? "right" : "left",
          titleFormatter: () => this.headerTitle(column),
          formatter: (cell) => this.cellNode(column, cell.getValue(), cell.getRow().getData(), index === 0),
        });
      });
      return defs;
    }

    headerTitle(column) {
      const wrap = el("span", { className: "zgrid-head" }, [el("span", { className: "zgrid-head-label", text: column.label })]);
      if (column.filterable) {
        const active = this.filters.has(column.key);
        const button = el("button", {
          type: "button",
          className: "zgrid-filter-button" + (active ? " active" : ""),
          title: fill(this.t.filter_title, { label: column.label }),
          "aria-label": fill(this.t.filter_title, { label: column.label }),
          text: "▾",
        });
        button.addEventListener("click", (event) => {
          event.stopPropagation(); // the header itself sorts on click
          this.openFilter(column, button);
        });
        button.addEventListener("mousedown", (event) => event.stopPropagation());
        wrap.appendChild(button);
      }
      return wrap;
    }

    displayText(column, value) {
      if (isEmpty(value)) return "";
      if (Array.isArray(value)) return value.join("、");
      if (typeof value === "boolean" || column.type === "bool") return value ? this.t.yes : this.t.no;
      if (column.type === "money" && typeof value === "number") return value.toFixed(2); // 8800.5 → 8800.50
      return String(value);
    }

    cellNode(column, value, data, first) {
      const text = this.displayText(column, value);
      if (first && this.config.row_link) {
        return el("a", { href: this.rowUrl(data.id), className: "zgrid-row-link", text: text || "—", title: text });
      }
      if (column.type === "link" && /^https?:\/\//i.test(text)) {
        return el("a", { href: text, target: "_blank", rel: "noopener noreferrer", text: text, title: text });
      }
      return el("span", { text: text, title: text.length > 12 ? text : null });
    }

    rowUrl(id) {
      return this.config.row_link.replace("{id}", encodeURIComponent(id));
    }

    counter() {
      const text = this.capped
        ? fill(this.t.total_capped, { n: this.total })
        : fill(this.t.total, { n: this.total });
      const node = el("span", { className: "zgrid-total", text: text });
      if (this.capped) {
        // Broad queries are counted only up to a cap; the exact figure is one click away.
        const exact = el("button", { type: "button", className: "zgrid-count-exact", text: this.t.count_exact });
        exact.addEventListener("click", () => {
          this.exactCount = true;
          this.table.setData();
        });
        node.append(" ", exact);
      }
      return node;
    }

    // -- loading ---------------------------------------------------------------------------

    params(withPaging, tabulatorParams) {
      const params = {};
      const sorters = tabulatorParams ? tabulatorParams.sort : this.table.getSorters().map((s) => ({ field: s.field, dir: s.dir }));
      if (sorters && sorters.length) params.sort = JSON.stringify(sorters.map((s) => ({ field: s.field, dir: s.dir })));
      if (this.filters.size) params.filter = JSON.stringify(Array.from(this.filters.values()));
      if (this.q) params.q = this.q;
      if (this.quick) params.quick = this.quick;
      if (this.exactCount) params.count = "exact";
      if (withPaging && tabulatorParams) {
        params.page = String(tabulatorParams.page);
        params.size = String(tabulatorParams.size);
      }
      return params;
    }

    async load(url, tabulatorParams) {
      this.loading = true;
      const query = new URLSearchParams(this.params(true, tabulatorParams));
      const target = url + (url.includes("?") ? "&" : "?") + query.toString();
      try {
        const response = await fetch(target, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        let body = null;
        try {
          body = await response.json();
        } catch (error) {
          body = null;
        }
        if (!response.ok || !body || !Array.isArray(body.data)) {
          this.showError((body && body.error) || response.status + " " + response.statusText);
          this.total = 0;
          this.capped = false;
          return { data: [], last_page: 1, last_row: 0 };
        }
        this.showError("");
        this.total = body.total;
        this.capped = body.total_capped;
        this.root.dispatchEvent(new CustomEvent("zgrid:loaded", { detail: { total: body.total, capped: body.total_capped } }));
        return { data: body.data, last_page: body.last_page, last_row: body.total };
      } catch (error) {
        this.showError(String(error.message || error));
        return { data: [], last_page: 1, last_row: 0 };
      }
    }

    reload() {
      return this.table.setPage(1);
    }

    setSearch(text) {
      text = text.trim();
      if (text === this.q) return;
      this.q = text;
      this.clearSelection();
      this.reload();
    }

    setQuick(name) {
      this.quick = this.quick === name ? "" : name;
      this.markQuick();
      this.clearSelection();
      this.reload();
    }

    markQuick() {
      this.quickBar.querySelectorAll("button").forEach((button) => {
        const on = button.dataset.quick === this.quick;
        button.classList.toggle("active", on);
        button.setAttribute("aria-pressed", on ? "true" : "false");
      });
    }

    download(format) {
      const query = new URLSearchParams(this.params(false));
      query.set("format", format);
      const url = this.config.export_url + (this.config.export_url.includes("?") ? "&" : "?") + query.toString();
      const link = el("a", { href: url, download: "" });
      document.body.appendChild(link);
      link.click();
      link.remove();
    }

    // -- selection -------------------------------------------------------------------------

    trackSelection(selectedRows, deselectedRows) {
      (selectedRows || []).forEach((row) => this.selected.add(row.getData().id));
      if (!this.loading) (deselectedRows || []).forEach((row) => this.selected.delete(row.getData().id));
      this.announceSelection();
    }

    restoreSelection() {
      this.loading = false;
      if (!this.config.selectable || !this.selected.size) return;
      const rows = this.table.getRows().filter((row) => this.selected.has(row.getData().id));
      if (rows.length) this.table.selectRow(rows);
    }

    clearSelection() {
      this.selected.clear();
      if (this.table && this.config.selectable) this.table.deselectRow();
      this.announceSelection();
    }

    announceSelection() {
      const count = this.selected.size;
      this.selectedLabel.hidden = count === 0;
      this.selectedLabel.textContent = fill(this.t.selected, { n: count });
      this.root.dispatchEvent(new CustomEvent("zgrid:selection", { detail: { ids: Array.from(this.selected) } }));
    }

    // -- filters ---------------------------------------------------------------------------

    setFilter(column, filter) {
      if (filter) this.filters.set(column.key, filter);
      else this.filters.delete(column.key);
      this.renderChips();
      this.table.setColumns(this.columnDefs()); // redraw the header's active-filter marks
      this.clearSelection();
      this.reload();
    }

    describeValue(column, value, op) {
      if (Array.isArray(value)) return value.map((v) => this.describeValue(column, v)).join(op === "between" ? " ~ " : "、");
      if (column.type === "bool") return value === true || value === "true" ? this.t.yes : this.t.no;
      const choice = (column.choices || []).find((c) => String(c[0]) === String(value));
      return choice ? choice[1] : String(value);
    }

    opLabel(column, op) {
      const found = (this.config.operators[column.type] || []).find((o) => o[0] === op);
      return found ? found[1] : op;
    }

    describeFilter(column, filter) {
      const part = (op, value) => this.opLabel(column, op) + (NO_VALUE_OPS.includes(op) ? "" : " " + this.describeValue(column, value, op));
      let text = column.label + " " + part(filter.op, filter.value);
      if (filter.op2) text += " " + (filter.join === "or" ? this.t.or : this.t.and) + " " + part(filter.op2, filter.value2);
      return text;
    }

    renderChips() {
      this.chips.textContent = "";
      this.filters.forEach((filter, key) => {
        const column = this.byKey.get(key);
        if (!column) return;
        const remove = el("button", { type: "button", className: "zgrid-chip-remove", title: this.t.remove_filter, "aria-label": this.t.remove_filter, text: "×" });
        remove.addEventListener("click", () => this.setFilter(column, null));
        const chip = el("span", { className: "zgrid-chip" }, [el("span", { text: this.describeFilter(column, filter) }), remove]);
        this.chips.appendChild(chip);
      });
      if (this.filters.size > 1) {
        const clear = el("button", { type: "button", className: "zgrid-link-button", text: this.t.clear_all });
        clear.addEventListener("click", () => {
          this.filters.clear();
          this.setFilter({ key: "" }, null);
        });
        this.chips.appendChild(clear);
      }
      this.chips.hidden = this.filters.size === 0;
    }

    valueEditor(column, op, current) {
      const t = this.t;
      const box = el("span", { className: "zgrid-value" });
      if (NO_VALUE_OPS.includes(op)) return { node: box, read: () => undefined };
      const single = (value) => {
        let input;
        if (column.type === "bool") {
          input = el("select", {}, [el("option", { value: "true", text: t.yes }), el("option", { value: "false", text: t.no })]);
          if (value !== undefined) input.value = String(value);
        } else if (column.type === "choice" && column.choices) {
          input = el("select", {}, column.choices.map(([v, label]) => el("option", { value: String(v), text: label })));
          if (value !== undefined) input.value = String(value);
        } else {
          const type = { date: "date", datetime: "date", number: "number", money: "number" }[column.type] || "text";
          input = el("input", { type: type, step: type === "number" ? "any" : null, "aria-label": t.value });
          if (!isEmpty(value)) input.value = String(value);
        }
        return input;
      };
      const readOne = (input) => {
        if (column.type === "bool") return input.value === "true";
        if (isEmpty(input.value.trim())) throw new Error(t.need_value);
        return input.value.trim();
      };
      if (op === "between") {
        const low = single(Array.isArray(current) ? current[0] : undefined);
        const high = single(Array.isArray(current) ? current[1] : undefined);
        box.append(el("span", { text: t.from }), low, el("span", { text: t.to }), high);
        return { node: box, read: () => [readOne(low), readOne(high)] };
      }
      if (op === "in" && column.type === "choice" && column.choices) {
        const chosen = new Set((Array.isArray(current) ? current : []).map(String));
        const list = el("span", { className: "zgrid-choice-list" });
        const boxes = column.choices.map(([v, label]) => {
          const check = el("input", { type: "checkbox", value: String(v) });
          check.checked = chosen.has(String(v));
          list.appendChild(el("label", {}, [check, label]));
          return [check, v];
        });
        box.appendChild(list);
        return {
          node: box,
          read: () => {
            const values = boxes.filter(([check]) => check.checked).map(([, v]) => v);
            if (!values.length) throw new Error(t.need_value);
            return values;
          },
        };
      }
      if (op === "in") {
        const input = el("input", { type: "text", "aria-label": t.value, placeholder: "a, b, c" });
        if (Array.isArray(current)) input.value = current.join(", ");
        box.appendChild(input);
        return {
          node: box,
          read: () => {
            const values = input.value.split(/[,，;；\n]/).map((v) => v.trim()).filter(Boolean);
            if (!values.length) throw new Error(t.need_value);
            return values;
          },
        };
      }
      const input = single(Array.isArray(current) ? undefined : current);
      box.appendChild(input);
      return { node: box, read: () => readOne(input) };
    }

    conditionRow(column, op, value) {
      const operators = this.config.operators[column.type] || [];
      const select = el("select", { className: "zgrid-op" }, operators.map(([code, label]) => el("option", { value: code, text: label })));
      select.value = op || operators[0][0];
      const row = el("div", { className: "zgrid-condition" }, [select]);
      let editor = this.valueEditor(column, select.value, value);
      row.appendChild(editor.node);
      select.addEventListener("change", () => {
        const next = this.valueEditor(column, select.value, undefined);
        row.replaceChild(next.node, editor.node);
        editor = next;
      });
      return { node: row, read: () => ({ op: select.value, value: editor.read() }) };
    }

    openFilter(column, anchor) {
      const t = this.t;
      const current = this.filters.get(column.key) || {};
      const first = this.conditionRow(column, current.op, current.value);
      const join = el("select", { className: "zgrid-join", "aria-label": t.second_condition }, [
        el("option", { value: "", text: t.none }),
        el("option", { value: "and", text: t.and }),
        el("option", { value: "or", text: t.or }),
      ]);
      join.value = current.op2 ? current.join || "and" : "";
      const secondHolder = el("div", { className: "zgrid-second" });
      let second = null;
      const showSecond = () => {
        secondHolder.textContent = "";
        second = null;
        if (join.value) {
          second = this.conditionRow(column, current.op2, current.value2);
          secondHolder.appendChild(second.node);
        }
      };
      join.addEventListener("change", showSecond);
      showSecond();
      const message = el("div", { className: "zgrid-popover-error", role: "alert", hidden: true });
      const apply = el("button", { type: "submit", className: "zgrid-button primary", text: t.apply });
      const clear = el("button", { type: "button", className: "zgrid-button", text: t.clear });
      const cancel = el("button", { type: "button", className: "zgrid-button", text: t.cancel });
      const form = el("form", { className: "zgrid-filter-form" }, [
        el("div", { className: "zgrid-popover-title", text: fill(t.filter_title, { label: column.label }) }),
        first.node,
        el("label", { className: "zgrid-join-row" }, [el("span", { text: t.second_condition }), join]),
        secondHolder,
        message,
        el("div", { className: "zgrid-popover-actions" }, [apply, clear, cancel]),
      ]);
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        try {
          const a = first.read();
          const filter = { field: column.key, op: a.op };
          if (a.value !== undefined) filter.value = a.value;
          if (second) {
            const b = second.read();
            filter.join = join.value;
            filter.op2 = b.op;
            if (b.value !== undefined) filter.value2 = b.value;
          }
          this.closePopover();
          this.setFilter(column, filter);
        } catch (error) {
          message.textContent = error.message;
          message.hidden = false;
        }
      });
      clear.addEventListener("click", () => {
        this.closePopover();
        if (this.filters.has(column.key)) this.setFilter(column, null);
      });
      cancel.addEventListener("click", () => this.closePopover());
      this.showPopover(form, anchor);
      const focusable = form.querySelector(".zgrid-value input, .zgrid-value select");
      if (focusable) focusable.focus();
    }

    // -- column chooser --------------------------------------------------------------------

    openChooser(anchor) {
      const t = this.t;
      const draft = this.columns.map((c) => ({ key: c.key, label: c.label, visible: c.visible, width: c.width }));
      const list = el("ol", { className: "zgrid-chooser-list" });
      let dragged = null;
      const render = () => {
        list.textContent = "";
        draft.forEach((item, index) => {
          const check = el("input", { type: "checkbox" });
          check.checked = item.visible;
          check.addEventListener("change", () => (item.visible = check.checked));
          const move = (delta) => {
            const target = index + delta;
            if (target < 0 || target >= draft.length) return;
            draft.splice(target, 0, draft.splice(index, 1)[0]);
            render();
            list.children[target].querySelector(delta < 0 ? ".up" : ".down").focus();
          };
          const up = el("button", { type: "button", className: "zgrid-icon-button up", title: t.move_up, "aria-label": t.move_up, text: "↑", disabled: index === 0 });
          const down = el("button", { type: "button", className: "zgrid-icon-button down", title: t.move_down, "aria-label": t.move_down, text: "↓", disabled: index === draft.length - 1 });
          up.addEventListener("click", () => move(-1));
          down.addEventListener("click", () => move(1));
          const row = el("li", { draggable: "true" }, [el("label", {}, [check, item.label]), el("span", { className: "zgrid-move" }, [up, down])]);
          row.addEventListener("dragstart", (event) => {
            dragged = index;
            event.dataTransfer.effectAllowed = "move";
            event.dataTransfer.setData("text/plain", item.key);
          });
          row.addEventListener("dragover", (event) => event.preventDefault());
          row.addEventListener("drop", (event) => {
            event.preventDefault();
            if (dragged === null || dragged === index) return;
            draft.splice(index, 0, draft.splice(dragged, 1)[0]);
            dragged = null;
            render();
          });
          list.appendChild(row);
        });
      };
      render();
      const message = el("div", { className: "zgrid-popover-error", role: "alert", hidden: true });
      const save = el("button", { type: "submit", className: "zgrid-button primary", text: t.save });
      const reset = el("button", { type: "button", className: "zgrid-button", text: t.reset });
      const cancel = el("button", { type: "button", className: "zgrid-button", text: t.cancel });
      const form = el("form", { className: "zgrid-chooser" }, [
        el("div", { className: "zgrid-popover-title", text: t.columns_title }),
        list,
        message,
        el("div", { className: "zgrid-popover-actions" }, [save, reset, cancel]),
      ]);
      const fail = (error) => {
        message.textContent = error.message;
        message.hidden = false;
      };
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.applyColumns(draft);
        this.savePrefs().then(() => this.closePopover(), fail);
      });
      reset.addEventListener("click", () => {
        this.sendPrefs("DELETE")
          .then(() => {
            const defaults = this.columns
              .slice()
              .sort((a, b) => a.order - b.order)
              .map((c) => ({ key: c.key, visible: c.default_visible, width: c.default_width }));
            this.applyColumns(defaults);
            this.closePopover();
          })
          .catch(fail);
      });
      cancel.addEventListener("click", () => this.closePopover());
      this.showPopover(form, anchor, true);
    }

    applyColumns(items) {
      this.columns = items.map((item) => Object.assign({}, this.byKey.get(item.key), { visible: item.visible, width: item.width }));
      this.byKey = new Map(this.columns.map((c) => [c.key, c]));
      this.table.setColumns(this.columnDefs());
    }

    rememberWidth(component) {
      const column = this.byKey.get(component.getField());
      if (!column) return;
      column.width = Math.round(component.getWidth());
      clearTimeout(this.widthTimer);
      this.widthTimer = setTimeout(() => this.savePrefs().catch((error) => this.showError(error.message)), 600);
    }

    savePrefs() {
      const columns = this.columns.map((c) => ({ key: c.key, width: c.width, visible: c.visible }));
      return this.sendPrefs("POST", { columns: columns });
    }

    async sendPrefs(method, body) {
      const response = await fetch(this.config.prefs_url, {
        method: method,
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
        body: body ? JSON.stringify(body) : undefined,
      });
      if (!response.ok) {
        let text = response.status + " " + response.statusText;
        try {
          text = (await response.json()).error || text;
        } catch (error) {
          /* not JSON: keep the status line */
        }
        throw new Error(text);
      }
      return response.json();
    }

    // -- popover ---------------------------------------------------------------------------

    showPopover(content, anchor, alignRight) {
      this.closePopover();
      const pop = el("div", { className: "zgrid-popover", role: "dialog" }, [content]);
      document.body.appendChild(pop);
      const rect = anchor.getBoundingClientRect();
      const width = pop.offsetWidth;
      let left = alignRight ? rect.right - width : rect.left;
      left = Math.max(8, Math.min(left, document.documentElement.clientWidth - width - 8));
      pop.style.left = left + window.scrollX + "px";
      pop.style.top = rect.bottom + window.scrollY + 4 + "px";
      const outside = (event) => {
        if (!pop.contains(event.target) && event.target !== anchor) this.closePopover();
      };
      const escape = (event) => {
        if (event.key === "Escape") {
          this.closePopover();
          anchor.focus();
        }
      };
      document.addEventListener("mousedown", outside, true);
      document.addEventListener("keydown", escape, true);
      this.popover = { node: pop, off: () => {
        document.removeEventListener("mousedown", outside, true);
        document.removeEventListener("keydown", escape, true);
      } };
    }

    closePopover() {
      if (!this.popover) return;
      this.popover.off();
      this.popover.node.remove();
      this.popover = null;
    }

    // -- public API ------------------------------------------------------------------------

    api() {
      return {
        table: this.table,
        selectedIds: () => Array.from(this.selected),
        currentParams: () => this.params(false),
        reload: () => this.reload(),
        clearSelection: () => this.clearSelection(),
      };
    }
  }

  function mount(root) {
    const id = root.dataset.gridId;
    if (!registry.has(id)) registry.set(id, new Grid(root).api());
    return registry.get(id);
  }

  function get(id) {
    if (registry.has(id)) return registry.get(id);
    const root = document.querySelector('.zgrid[data-grid-id="' + CSS.escape(id) + '"]');
    return root && typeof Tabulator !== "undefined" ? mount(root) : undefined;
  }

  function mountAll() {
    document.querySelectorAll(".zgrid[data-grid-id]").forEach(mount);
  }

  window.ZuoxiGrid = { get: get, mountAll: mountAll };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
