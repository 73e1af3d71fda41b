// Frame a Signet signing session and log the messages it posts (docs/compat/framing.md).
(function () {
  "use strict";
  var params = new URLSearchParams(location.search);
  var base = (params.get("signet") || "").replace(/\/+$/, "");
  var session = params.get("session");
  var frame = document.getElementById("signing");
  var log = document.getElementById("log");
  // Collected for automated tests; a real host would act on them instead.
  window.signetEvents = [];

  if (!base || !session) return;
  document.getElementById("hint").hidden = true;
  var signetOrigin = new URL(base).origin;

  window.addEventListener("message", function (event) {
    // Trust only messages from the Signet origin you framed.
    if (event.origin !== signetOrigin || !event.data || typeof event.data.type !== "string") return;
    window.signetEvents.push(event.data);
    var item = document.createElement("li");
    item.textContent = event.data.type + " " + JSON.stringify(event.data.payload);
    log.appendChild(item);

    switch (event.data.type) {
      case "signet.signing.resize":
        // The content height. Keep the frame no taller than the window: the page scrolls
        // inside it, and its dialogs and action bar stay in view.
        break;
      case "session_view.document.completed":
        // The recipient finished: e.g. close the frame or move your own flow on.
        break;
      case "session_view.document.exception":
        // Expired session, not signable, declined...: show your own message.
        break;
    }
  });

  frame.src = base + "/s/" + encodeURIComponent(session);
  frame.hidden = false;
})();
