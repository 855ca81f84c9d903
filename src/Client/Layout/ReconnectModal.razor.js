// Drives Blazor's reconnect dialog (the framework raises components-reconnect-state-changed on it).
const modal = document.getElementById("components-reconnect-modal");
modal.addEventListener("components-reconnect-state-changed", onStateChanged);
document.getElementById("components-reconnect-button").addEventListener("click", retry);
document.getElementById("components-resume-button").addEventListener("click", resume);

function onStateChanged(event) {
    switch (event.detail.state) {
        case "show":
            if (!modal.open) {
                modal.showModal();
            }
            break;
        case "hide":
            modal.close();
            break;
        case "failed":
            document.addEventListener("visibilitychange", retryWhenVisible);
            break;
        case "rejected":
            // The server no longer knows this circuit (it restarted): a reload brings back the same page.
            location.reload();
            break;
    }
}

async function retry() {
    document.removeEventListener("visibilitychange", retryWhenVisible);
    try {
        if (!await Blazor.reconnect()) {
            if (!await Blazor.resumeCircuit()) {
                location.reload();
            } else {
                modal.close();
            }
        }
    } catch {
        document.addEventListener("visibilitychange", retryWhenVisible);
    }
}

async function resume() {
    try {
        if (!await Blazor.resumeCircuit()) {
            location.reload();
        }
    } catch {
        modal.classList.replace("components-reconnect-paused", "components-reconnect-resume-failed");
    }
}

async function retryWhenVisible() {
    if (document.visibilityState === "visible") {
        await retry();
    }
}
