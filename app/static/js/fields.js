/* 信息扩展配置: the options editor is only shown for single and multiple choice fields. */
(function () {
  "use strict";

  function syncOptionsEditor() {
    var typeSelect = document.getElementById("field-type");
    var editor = document.getElementById("options-editor");
    if (!typeSelect || !editor) return;
    var choiceTypes = (editor.getAttribute("data-choice-types") || "").split(" ");
    var isChoice = choiceTypes.indexOf(typeSelect.value) !== -1;
    editor.hidden = !isChoice;
    var textarea = editor.querySelector("textarea");
    if (textarea) textarea.disabled = !isChoice;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var typeSelect = document.getElementById("field-type");
    if (!typeSelect) return;
    typeSelect.addEventListener("change", syncOptionsEditor);
    syncOptionsEditor();
  });
})();
