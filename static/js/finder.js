/* The service finder as you type, on the tell and edit pages. Progressive only: without JavaScript the
   "Find the service" button posts the form and the page lists the same matches as radio buttons. Here the
   list is refreshed as the person types (the same radio buttons, so choosing and sending work the same way),
   and a polite live region says how many services were found. */
(function () {
  "use strict";
  var service = document.getElementById("service");
  var input = document.getElementById("provider_query");
  if (!service || !input || !service.dataset.finder || !window.fetch) { return; }
  var url = service.dataset.finder;
  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  var box = document.createElement("div");
  box.className = "finder-live";
  input.parentNode.insertBefore(box, input.parentNode.firstChild);
  input.parentNode.appendChild(status);
  var timer = null;
  var asked = 0;

  function text(tag, value, className) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (className) { el.className = className; }
    return el;
  }

  function show(matches) {
    var old = service.querySelector(".provider-matches");
    if (old && old.closest("fieldset") && !box.contains(old)) { old.closest("fieldset").remove(); }
    box.textContent = "";
    status.textContent = matches.length ? matches.length + (matches.length === 1 ? " service" : " services") +
      " found: choose one below." : "No service matches that yet.";
    if (!matches.length) { return; }
    var fieldset = document.createElement("fieldset");
    fieldset.className = "fieldset";
    fieldset.appendChild(text("legend", "Choose the service", "label"));
    var list = document.createElement("ul");
    list.className = "choices provider-matches";
    matches.forEach(function (m) {
      var item = document.createElement("li");
      var radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "provider_code";
      radio.value = m.code;
      radio.id = "provider-live-" + m.code;
      radio.addEventListener("change", function () {
        // A service chosen before (the hidden field) gives way to this choice.
        var hidden = service.querySelector("input[type=hidden][name=provider_code]");
        if (hidden) { hidden.remove(); }
      });
      var label = document.createElement("label");
      label.htmlFor = radio.id;
      label.appendChild(document.createTextNode(m.name + " "));
      var details = [m.kind, m.above, m.postcode].filter(Boolean).join(" · ");
      label.appendChild(text("span", details, "muted"));
      item.appendChild(radio);
      item.appendChild(label);
      list.appendChild(item);
    });
    fieldset.appendChild(list);
    box.appendChild(fieldset);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    var q = input.value.trim();
    if (q.length < 2) { return; }
    timer = setTimeout(function () {
      var mine = ++asked;
      fetch(url + "?q=" + encodeURIComponent(q), {headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : {matches: []}; })
        .then(function (data) { if (mine === asked) { show(data.matches || []); } })
        .catch(function () { /* the button still finds the service without us */ });
    }, 200);
  });
})();
