/* Plaudit: small progressive enhancements. No inline code anywhere (strict CSP).
 *
 * Copy link: a story page shows its address in a read-only box, which works without
 * JavaScript. Where the clipboard is available, a "Copy link" button replaces the box and
 * announces "Link copied" in a live region.
 *
 * Focus after an in-page update needs no code here: the fragment marks what takes the focus
 * (the new item, the status message, the error summary) with `autofocus`, and htmx focuses it
 * once the swap settles, as the browser does on a full page load.
 *
 * Error summary: its links go to the fields; following one focuses the field (a plain link
 * only scrolls to it).
 *
 * Menus (<details class="account-menu">, any <details data-menu>): Escape closes the open one
 * and gives the focus back to its button; a click elsewhere, or the focus leaving it, closes it.
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

  function fieldFor(link) {
    var target = document.getElementById(link.hash.slice(1));
    if (target) return target;
    // A group that names its choices its own way (a colleague picker): its first choice, or
    // else the first box of the fieldset its error message is in (the picker's search box).
    var name = link.getAttribute("data-field");
    var form = link.closest("form");
    if (!name || !form) return null;
    var choice = form.querySelector('[name="' + name + '"]:not([type="hidden"])');
    if (choice) return choice;
    var error = document.getElementById(name + "-error");
    var group = error && error.closest("fieldset");
    return group && group.querySelector("input:not([type='hidden']), select, textarea");
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    var field = fieldFor(link);
    if (!field) return;
    event.preventDefault();
    // The label (or a group's legend) says what the field is: show it too, as GOV.UK does.
    var label = field.id && document.querySelector('label[for="' + CSS.escape(field.id) + '"]');
    var group = field.closest("fieldset");
    var caption = (field.type === "radio" || field.type === "checkbox" || !label) && group
      ? group.querySelector("legend") : label;
    (caption || field).scrollIntoView();
    field.focus({ preventScroll: true });
  });

  var MENUS = "details.account-menu, details[data-menu]";

  document.addEventListener("keydown", function (event) {
    // A widget that used the key itself (the colleague picker closes its list) cancels it.
    if (event.key !== "Escape" || event.defaultPrevented) return;
    document.querySelectorAll(MENUS).forEach(function (menu) {
      if (!menu.open) return;
      var hadFocus = menu.contains(document.activeElement);
      menu.open = false;
      var button = menu.querySelector("summary");
      // On a wide screen the navigation's button is hidden (its list always shows): the
      // focus stays where it is.
      if (hadFocus && button.getClientRects().length) button.focus();
    });
  });

  document.addEventListener("focusout", function (event) {
    var menu = event.target.closest(MENUS);
    // Only when the focus goes somewhere else on the page (Tab past the last item): it goes
    // nowhere for a click on the menu's own background, or when the window loses it.
    var to = event.relatedTarget;
    if (menu && menu.open && to && !menu.contains(to)) menu.open = false;
  });

  document.addEventListener("click", function (event) {
    document.querySelectorAll(MENUS).forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  });
})();
