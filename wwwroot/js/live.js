// Live updates without polling: pages mark one region with data-live="scan|server|fleet|job" (and data-live-id).
// The script subscribes to the status hub and, on each event about that scan, server or the fleet, re-fetches the
// region from the server with htmx and swaps it in. The server renders the HTML; the script only decides when.
(function () {
  "use strict";

  var region = document.querySelector("[data-live]");
  if (!region || !window.signalR || !window.htmx) {
    return;
  }

  var selector = "#" + region.id;
  var kind = region.getAttribute("data-live");
  var id = region.getAttribute("data-live-id");
  // A job page also follows its server, whose scans include the job's verification scan.
  var serverId = region.getAttribute("data-live-server");
  // A change request page follows the servers its jobs run on.
  var servers = (region.getAttribute("data-live-servers") || "").split(",").filter(function (s) { return s; });
  var fetching = false;
  var again = false;

  function current() {
    return document.querySelector(selector);
  }

  // Evidence a reader has opened stays open when the region is swapped: rows are keyed by check id, source and subject.
  function openDetails() {
    var el = current();
    if (!el) {
      return [];
    }
    return Array.prototype.map.call(el.querySelectorAll("tr[data-check-id] details[open]"), function (d) {
      return rowKey(d.closest("tr"));
    });
  }

  function rowKey(row) {
    return [row.getAttribute("data-check-id"), row.getAttribute("data-check-source"), row.getAttribute("data-check-subject")].join("|");
  }

  function reopen(keys) {
    var el = current();
    if (!el || keys.length === 0) {
      return;
    }
    Array.prototype.forEach.call(el.querySelectorAll("tr[data-check-id]"), function (row) {
      var details = row.querySelector("details");
      if (details && keys.indexOf(rowKey(row)) >= 0) {
        details.open = true;
      }
    });
  }

  // One request at a time; events that arrive meanwhile fold into one more refresh afterwards.
  function refresh() {
    if (fetching) {
      again = true;
      return;
    }
    fetching = true;
    var keep = openDetails();
    htmx.ajax("GET", window.location.href, { target: selector, select: selector, swap: "outerHTML" })
      .catch(function () { /* A failed refresh leaves the last good content; the next event tries again. */ })
      .then(function () {
        fetching = false;
        reopen(keep);
        var el = current();
        if (el) {
          el.setAttribute("data-live-connected", "true");
        }
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  function concerns(e) {
    if (kind === "fleet") {
      return true;
    }
    if (kind === "job") {
      return e.jobId === id || (!!serverId && !!e.scanId && e.serverId === serverId);
    }
    if (kind === "change-request") {
      return e.id === id || (!!e.jobId && servers.indexOf(e.serverId) >= 0);
    }
    return kind === "scan" ? e.scanId === id : e.serverId === id;
  }

  function onEvent(e) {
    if (!concerns(e)) {
      return;
    }
    // The progress bar moves at once; the rows follow with the refreshed region.
    var el = current();
    var bar = el && el.querySelector("progress.scan-progress");
    if (bar && typeof e.progress === "number") {
      bar.value = e.progress;
    }
    refresh();
  }

  function subscribe() {
    if (kind === "scan") {
      return connection.invoke("SubscribeScan", id);
    }
    if (kind === "server") {
      return connection.invoke("SubscribeServer", id);
    }
    if (kind === "change-request") {
      return Promise.all([connection.invoke("SubscribeReviews")].concat(servers.map(function (s) {
        return connection.invoke("SubscribeServer", s);
      })));
    }
    if (kind === "job") {
      return connection.invoke("SubscribeJob", id).then(function () {
        return serverId ? connection.invoke("SubscribeServer", serverId) : null;
      });
    }
    return connection.invoke("SubscribeFleet");
  }

  var connection = new signalR.HubConnectionBuilder()
    .withUrl("hubs/status")
    .withAutomaticReconnect()
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  connection.on("scanQueued", onEvent);
  connection.on("scanCompleted", onEvent);
  connection.on("jobUpdated", onEvent);
  connection.on("agentPresence", onEvent);
  connection.on("changeRequestUpdated", onEvent);
  if (kind !== "fleet") {
    connection.on("scanProgress", onEvent);
  }
  connection.onreconnected(function () {
    subscribe().then(refresh);
  });
  connection.start()
    .then(subscribe)
    .then(function () {
      var el = current();
      if (el) {
        el.setAttribute("data-live-connected", "true");
      }
      // Whatever happened between rendering the page and joining the group is picked up once.
      refresh();
    })
    .catch(function (error) {
      var el = current();
      if (el) {
        el.setAttribute("data-live-error", String(error));
      }
    });
})();
