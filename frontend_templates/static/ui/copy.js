// Copy buttons: <button data-copy="#id" data-copied="Copied"> copies the text (or the
// value) of the element it points at.
(function () {
  "use strict";

  function copyText(text, source) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain http on another host than localhost: no Clipboard API, select and copy.
    var range = document.createRange();
    range.selectNodeContents(source);
    if (source.select) source.select();
    else {
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
    }
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject();
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var label = button.textContent;
    button.addEventListener("click", function () {
      var source = document.querySelector(button.dataset.copy);
      var text = "value" in source ? source.value : source.textContent;
      copyText(text.trim(), source).then(function () {
        button.textContent = button.dataset.copied;
        window.setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });
})();
