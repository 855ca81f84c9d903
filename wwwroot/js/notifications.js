// In-app notifications: every signed-in page listens for change requests that change state and shows a toast,
// so a reviewer hears about a request waiting for review without reloading anything.
(function () {
  "use strict";

  var host = document.getElementById("notifications");
  if (!host || !window.signalR || !window.bootstrap) {
    return;
  }

  var me = host.getAttribute("data-user");
  var words = {
    "in-review": "is waiting for review",
    "approved": "was approved",
    "rejected": "was rejected",
    "withdrawn": "was withdrawn",
    "applying": "is being applied",
    "applied": "was applied",
    "partially-failed": "partially failed",
    "failed": "failed",
    "rolled-back": "was rolled back"
  };

  function show(e) {
    var text = words[e.state];
    if (!text) {
      return;
    }
    var toast = document.createElement("div");
    toast.className = "toast";
    toast.setAttribute("role", "status");
    toast.setAttribute("data-testid", "notification");
    var body = document.createElement("div");
    body.className = "toast-body";
    var link = document.createElement("a");
    link.href = "change-requests/" + e.id;
    link.textContent = e.title;
    body.appendChild(document.createTextNode("Change request "));
    body.appendChild(link);
    body.appendChild(document.createTextNode(" " + text + (e.authorName && e.authorName !== me ? " (by " + e.authorName + ")." : ".")));
    toast.appendChild(body);
    host.appendChild(toast);
    toast.addEventListener("hidden.bs.toast", function () { toast.remove(); });
    new bootstrap.Toast(toast, { delay: 8000 }).show();
  }

  var connection = new signalR.HubConnectionBuilder()
    .withUrl("hubs/status")
    .withAutomaticReconnect()
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  connection.on("changeRequestUpdated", show);
  connection.onreconnected(function () { return connection.invoke("SubscribeReviews"); });
  connection.start()
    .then(function () { return connection.invoke("SubscribeReviews"); })
    .then(function () { host.setAttribute("data-connected", "true"); })
    .catch(function () { /* Notifications are a convenience; the pages work without them. */ });
})();
