/* Small progressive enhancements for the register's pages. Every page works without them;
   the Content-Security-Policy allows only this file (no inline scripts). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function each(selector, fn, root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  /* Phone menu: the navigation folds behind a button. */
  function setUpMenu() {
    var toggle = document.querySelector(".nav-toggle");
    if (!toggle) { return; }
    toggle.addEventListener("click", function () {
      var open = document.body.classList.toggle("nav-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  /* Selects that apply themselves (page size). */
  function setUpAutosubmit() {
    each("select.autosubmit", function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  /* Category lists show only the categories of the chosen asset class (options carry
     data-class); the server checks the pair anyway. */
  function setUpCategories() {
    each("select", function (category) {
      if (!category.querySelector("option[data-class]")) { return; }
      var form = category.form;
      var sourceId = category.getAttribute("data-class-source") || "id_asset_class";
      var source = form ? form.querySelector("#" + sourceId) : null;
      if (!source) { return; }
      function apply() {
        var chosen = source.value;
        each("option[data-class]", function (option) {
          var hide = chosen !== "" && option.getAttribute("data-class") !== chosen;
          option.hidden = hide;
          option.disabled = hide;
          if (hide && option.selected) { category.value = ""; }
        }, category);
      }
      source.addEventListener("change", apply);
      apply();
    });
  }

  /* "Add a row" for funding lines and registrations: copy the empty form of the formset. */
  function setUpFormsets() {
    each("fieldset.formset[data-prefix]", function (fieldset) {
      var prefix = fieldset.getAttribute("data-prefix");
      var total = fieldset.querySelector("#id_" + prefix + "-TOTAL_FORMS");
      var template = fieldset.querySelector("template.formset-empty");
      var rows = fieldset.querySelector(".formset-rows");
      var button = fieldset.querySelector(".formset-add");
      if (!total || !template || !rows || !button) { return; }
      button.addEventListener("click", function () {
        var index = parseInt(total.value, 10) || 0;
        var holder = document.createElement("tbody");
        holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
        while (holder.firstChild) { rows.appendChild(holder.firstChild); }
        total.value = String(index + 1);
        var first = rows.lastElementChild && rows.lastElementChild.querySelector("select, input");
        if (first) { first.focus(); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpMenu();
    setUpAutosubmit();
    setUpCategories();
    setUpFormsets();
  });
}());
