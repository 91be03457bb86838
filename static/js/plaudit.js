/* Plaudit: small progressive enhancements. No inline code anywhere (strict CSP).
 *
 * Copy link: a story page shows its address in a read-only box, which works without
 * JavaScript. Where the clipboard is available, a "Copy link" button replaces the box and
 * announces "Link copied" in a live region.
 */
(function () {
  "use strict";

  function announce(status, text) {
    // Clear first so that the same words are announced again on a second click.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function enhanceCopyLink(block) {
    var field = block.querySelector("[data-copy-field]");
    var source = block.querySelector("[data-copy-source]");
    var button = block.querySelector("[data-copy-button]");
    var status = block.querySelector("[data-copy-status]");
    if (!field || !source || !button || !status) return;
    if (!navigator.clipboard || !window.isSecureContext) return; // the box stays
    button.hidden = false;
    field.hidden = true;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.value).then(
        function () { announce(status, "Link copied"); },
        function () {
          field.hidden = false;
          source.focus();
          source.select();
          announce(status, "Copying did not work: the link is selected, copy it from the box.");
        }
      );
    });
  }

  document.querySelectorAll("[data-copy-link]").forEach(enhanceCopyLink);
})();
