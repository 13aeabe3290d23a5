// Follows a running brief: each `progress` event adds a line to the list, and the final `done` or `failed` event
// loads the brief's page again, which the server then renders finished. Without JavaScript the page's refresh link
// does the same by hand.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("brief-running");
    var list = document.getElementById("brief-progress");
    if (!box || !list || !window.EventSource) { return; }
    var source = new EventSource(box.getAttribute("data-events"));
    var seen = list.children.length; // the lines the server already rendered

    source.addEventListener("progress", function (event) {
      var data = JSON.parse(event.data);
      if (Number(event.lastEventId) <= seen) { return; }
      var item = document.createElement("li");
      item.textContent = data.text;
      list.appendChild(item);
      seen = Number(event.lastEventId);
    });

    function finish(event) {
      source.close();
      var data = JSON.parse(event.data);
      window.location.assign(data.url);
    }

    source.addEventListener("done", finish);
    source.addEventListener("failed", finish);
  });
})();
