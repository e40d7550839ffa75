// Person picker on the set-up pages: suggests people by username, name or pinyin initials
// while typing. Suggestions fill the <datalist>; the server resolves what is sent either way.
(function () {
  "use strict";
  var list = document.getElementById("people-options");
  if (!list || !list.dataset.peopleUrl) { return; }
  var input = document.querySelector('input[list="people-options"]');
  if (!input) { return; }
  var timer = null;
  var lastQuery = "";

  function fill(items) {
    list.replaceChildren();
    items.forEach(function (person) {
      var option = document.createElement("option");
      option.value = person.username;
      option.label = person.name + " · " + person.username;
      option.textContent = person.name;
      list.appendChild(option);
    });
  }

  function search() {
    var q = input.value.trim();
    if (!q || q === lastQuery) { return; }
    lastQuery = q;
    var url = list.dataset.peopleUrl + "?q=" + encodeURIComponent(q);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { items: [] }; })
      .then(function (data) { if (input.value.trim() === q) { fill(data.items || []); } })
      .catch(function () { /* suggestions are a convenience; the form still works */ });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 200);
  });
})();
