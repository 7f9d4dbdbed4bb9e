// paperdex serve: search as you type. The pages work without this file; with it, the results
// follow the search box: after a pause in typing, the results page for the text typed is
// fetched from the same server and its main part replaces the one shown, and the address
// follows, so it can still be bookmarked.
(function () {
  "use strict";
  var input = document.querySelector("form.search input[name=q]");
  if (!input || !window.fetch || !window.DOMParser) return;
  var form = input.form;
  var timer = null;
  var latest = 0;

  function refresh() {
    var params = new URLSearchParams(new FormData(form));
    if (!params.get("q").trim()) return;
    var url = "/search?" + params.toString();
    var mine = ++latest;
    fetch(url, { headers: { Accept: "text/html" } })
      .then(function (res) { return res.text(); })
      .then(function (text) {
        // An answer to an older keystroke must not replace a newer one.
        if (mine !== latest) return;
        var doc = new DOMParser().parseFromString(text, "text/html");
        var fresh = doc.getElementById("main");
        var shown = document.getElementById("main");
        if (!fresh || !shown) return;
        shown.replaceWith(document.adoptNode(fresh));
        document.title = doc.title;
        history.replaceState(null, "", url);
      })
      .catch(function () { /* the form still works by submitting */ });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
  form.addEventListener("submit", function () {
    // A submitted search is a real navigation; a pending refresh would only race it.
    clearTimeout(timer);
    latest++;
  });
})();
