/* Plaudit: the colleague picker (templates/nominations/people_picker.html) as a combobox.
 *
 * Without JavaScript the picker is a search box, a Find button and the matches as radio
 * buttons or check boxes. Here the box becomes a combobox whose popup is a dialog (the APG
 * variant where the focus moves into the popup: the matches are real radio buttons and check
 * boxes, so the form posts them as before): Down moves from the box into the matches, Up and
 * Down (or Left and Right) move between them (Up from the first returns to the box), Home and
 * End go to the first and last, Enter or Space picks, Escape returns to the box. htmx
 * replaces the matches as one types and puts the count into the picker's live region ("5
 * colleagues found"); aria-expanded says whether there is anyone to move to.
 *
 * The search waits for a pause in the typing. Down or Enter in the box does not: when the
 * matches answer another text than the box's (their data-picker-q), they search now, and
 * Down moves into the matches once the new ones are in (it used to move into the old ones,
 * which the answer then removed, and the focus fell to the page). Enter never submits the
 * form (the Find button is for pages without JavaScript).
 *
 * Listeners sit on the document, so pickers that htmx swaps in work as soon as they appear.
 */
(function () {
  "use strict";

  var SEARCH = "[data-picker-search]";

  function optionsOf(search) {
    return document.getElementById(search.getAttribute("data-picker-search") + "-options");
  }

  function matchesIn(options) {
    return Array.prototype.slice.call(
      options.querySelectorAll("input[type=checkbox], input[type=radio]")
    );
  }

  // The text the matches answer (the server writes it; "" before any search).
  function answered(options) {
    var matches = options.querySelector("[data-picker-q]");
    return matches ? matches.getAttribute("data-picker-q") : "";
  }

  function isStale(search, options) {
    return answered(options) !== search.value.trim();
  }

  function enhance(search) {
    var options = optionsOf(search);
    if (!options) return;
    search.setAttribute("role", "combobox");
    search.setAttribute("aria-autocomplete", "list");
    search.setAttribute("aria-haspopup", "dialog");
    search.setAttribute("aria-controls", options.id);
    search.setAttribute("aria-expanded", matchesIn(options).length ? "true" : "false");
    // The popup the focus moves into: named by the picker's legend, described by its count
    // (so entering it says "Who are you nominating? dialog, 5 colleagues found").
    options.setAttribute("role", "dialog");
    var legend = document.getElementById(search.getAttribute("data-picker-search") + "-legend");
    if (legend) options.setAttribute("aria-labelledby", legend.id);
    options.setAttribute("aria-describedby", search.getAttribute("data-picker-search") + "-count");
  }

  function enhanceWithin(root) {
    if (root.matches && root.matches(SEARCH)) enhance(root);
    if (root.querySelectorAll) root.querySelectorAll(SEARCH).forEach(enhance);
  }

  // Options waiting for the answer to the box's text, to move into the first match then.
  var pending = new WeakMap();

  function searchNow(search, options, thenMove) {
    if (thenMove) pending.set(options, search);
    else pending.delete(options);
    htmx.trigger(search, "search"); // one of the box's hx-trigger events (nominations/forms.py)
  }

  function moveIntoMatches(options) {
    var first = matchesIn(options)[0];
    if (first) first.focus();
  }

  function fromSearch(event, search) {
    var options = optionsOf(search);
    if (event.key === "Enter") {
      // Search now instead of submitting the form through its Find button.
      event.preventDefault();
      if (isStale(search, options)) searchNow(search, options, false);
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      if (isStale(search, options)) searchNow(search, options, true);
      else moveIntoMatches(options);
    }
  }

  function fromMatch(event, match, options) {
    var search = options.closest(".picker").querySelector(SEARCH);
    var matches = matchesIn(options);
    var at = matches.indexOf(match);
    var next = null;
    switch (event.key) {
      case "ArrowDown":
      case "ArrowRight": next = matches[Math.min(at + 1, matches.length - 1)]; break;
      case "ArrowUp":
      case "ArrowLeft": next = at > 0 ? matches[at - 1] : search; break;
      case "Home": next = matches[0]; break;
      case "End": next = matches[matches.length - 1]; break;
      case "Escape": next = search; break;
      case "Enter":
        // Enter picks, as Space does, instead of submitting the form half filled in.
        event.preventDefault();
        match.click();
        return;
      default: return; // Space, Tab and letters keep their usual meaning
    }
    // Arrow keys on radio buttons would also pick (all four of them): here they only move.
    event.preventDefault();
    if (next) next.focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.isComposing) return; // Enter or an arrow that belongs to an input method
    var target = event.target;
    if (!(target instanceof HTMLInputElement)) return;
    if (target.matches(SEARCH)) {
      if (target.getAttribute("role") === "combobox") fromSearch(event, target);
      return;
    }
    var options = target.closest(".picker-options");
    if (options && matchesIn(options).indexOf(target) !== -1) fromMatch(event, target, options);
  });

  // Typing again after Down: the answer to wait for is another one, and the typing goes on.
  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.matches(SEARCH)) {
      var options = optionsOf(target);
      if (options) pending.delete(options);
    }
  });

  // A new picker (a form htmx swapped in), or new matches in an old one.
  document.addEventListener("htmx:load", function (event) { enhanceWithin(event.target); });
  document.addEventListener("htmx:afterSettle", function (event) {
    var picker = event.target.closest && event.target.closest(".picker");
    if (picker) enhanceWithin(picker);
    var options = event.target;
    var search = pending.get(options);
    // An older answer (a search still in flight) is not the one Down waits for.
    if (!search || isStale(search, options)) return;
    pending.delete(options);
    if (document.activeElement === search) moveIntoMatches(options);
  });
  enhanceWithin(document);
})();
