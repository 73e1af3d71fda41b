/* Signet signing page, part 1 of 3: messages to the host window, page layout, server calls.
   No inline script anywhere: the server passes data through data-* attributes on #signet, and
   every value from the server or the user is shown with textContent. The other parts
   (signing-marks.js, signing-form.js) use what this one puts on window.SignetPage. */
(function () {
  "use strict";

  var root = document.getElementById("signet");
  if (!root) return;
  var data = root.dataset;
  document.documentElement.classList.add("js");

  // ------------------------------------------ host window messages (docs/compat/framing.md)

  var framed = (function () {
    try { return window.parent !== window; } catch (e) { return true; }
  })();

  function targetOrigin() {
    var allowed = [];
    try { allowed = JSON.parse(data.embedOrigins || "[]"); } catch (e) { allowed = []; }
    if (!allowed.length) return "*";
    var ancestor = null;
    if (location.ancestorOrigins && location.ancestorOrigins.length) {
      ancestor = location.ancestorOrigins[0];
    } else if (document.referrer) {
      try { ancestor = new URL(document.referrer).origin; } catch (e) { ancestor = null; }
    }
    return ancestor && allowed.indexOf(ancestor) !== -1 ? ancestor : null;
  }

  function post(type, payload) {
    if (!framed) return;
    var origin = targetOrigin();
    if (!origin) return;
    try { window.parent.postMessage({ type: type, payload: payload }, origin); } catch (e) { /* host gone */ }
  }

  function sessionPayload(extra) {
    return Object.assign({
      document_id: data.documentShortId,
      recipient_id: data.recipientShortId,
      session_id: data.sessionId || null
    }, extra);
  }

  function signetPayload(extra) {
    return Object.assign({
      version: 1,
      signing_request_id: data.requestId,
      recipient_id: data.recipientId
    }, extra);
  }

  function reportException(code, message) {
    post("session_view.document.exception", sessionPayload({ code: code, message: message }));
    post("signet.signing.error", signetPayload({ code: code, message: message }));
  }

  var lastHeight = 0;
  function reportHeight() {
    var height = Math.ceil(document.documentElement.scrollHeight);
    if (height !== lastHeight) {
      lastHeight = height;
      post("signet.signing.resize", { height: height });
    }
  }

  if (data.requestId) {
    if (data.exceptionCode !== "session_expired") {
      post("session_view.document.loaded", sessionPayload({ status: data.pandadocStatus }));
      post("signet.signing.loaded", signetPayload({ status: data.requestStatus }));
    }
    if (data.exceptionCode) reportException(data.exceptionCode, data.exceptionMessage);
  }
  if (framed && window.ResizeObserver) {
    new ResizeObserver(function () { window.requestAnimationFrame(reportHeight); })
      .observe(document.body);
  }

  // ---------------------------------------------------------------- server calls

  function api(path, body, options) {
    options = options || {};
    var headers = { "X-Signet-CSRF": data.csrf };
    var payload = body;
    if (!options.raw) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
    Object.assign(headers, options.headers || {});
    return fetch(data.base + path, {
      method: "POST", headers: headers, body: payload, credentials: "same-origin", cache: "no-store"
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (json) {
        json = json || {};
        // Tell the host window when the session ran out or the document closed meanwhile.
        if (resp.status === 410) reportException("session_expired", json.error || "The session has expired");
        if (resp.status === 409) reportException("not_signable", json.error || "The document cannot be signed now");
        return { ok: resp.ok, status: resp.status, body: json };
      });
    }).catch(function () {
      return { ok: false, status: 0, body: { error: "The connection failed; check your network and try again." } };
    });
  }

  function toast(message) {
    var el = document.getElementById("toast");
    if (!el) return;
    el.textContent = message;
    el.hidden = !message;
  }

  function labelFor(id) {
    var el = root.querySelector('.field[data-field-id="' + CSS.escape(id) + '"]');
    return el ? el.dataset.label || el.dataset.fieldType : id;
  }

  function errorText(body) {
    var details = body.details && typeof body.details === "object" ? body.details : null;
    if (details) {
      var parts = Object.keys(details).map(function (loc) {
        var match = /^values\.(.+)$/.exec(loc);
        if (match) {
          var el = root.querySelector('.field[data-field-id="' + CSS.escape(match[1]) + '"]');
          if (el) el.classList.add("field--invalid");
          return labelFor(match[1]) + ": " + details[loc];
        }
        return details[loc];
      });
      if (parts.length) return parts.join(". ");
    }
    return body.error || "Something went wrong; please try again.";
  }

  window.SignetPage = {
    root: root, data: data, framed: framed, post: post, sessionPayload: sessionPayload,
    signetPayload: signetPayload, reportException: reportException, api: api, toast: toast,
    errorText: errorText
  };

  // ---------------------------------------------------------------- layout of pages and fields

  var pages = Array.prototype.slice.call(root.querySelectorAll(".page"));

  function placeFields() {
    root.querySelectorAll(".field").forEach(function (el) {
      el.style.left = el.dataset.x + "%";
      el.style.top = el.dataset.y + "%";
      el.style.width = el.dataset.w + "%";
      el.style.height = el.dataset.h + "%";
    });
  }

  function scaleText(page) {
    var widthPt = parseFloat(page.dataset.widthPt) || 612;
    var img = page.querySelector(".page__img");
    var ratio = img ? img.getAttribute("height") / img.getAttribute("width") : 1.294;
    var pxPerPt = page.clientWidth / widthPt;
    page.querySelectorAll(".field").forEach(function (el) {
      var boxPt = (parseFloat(el.dataset.h) / 100) * widthPt * ratio;
      var sizePt = parseFloat(el.dataset.fontSize) || Math.min(12, Math.max(6, boxPt * 0.62));
      el.style.fontSize = Math.max(9, sizePt * pxPerPt).toFixed(1) + "px";
    });
  }

  placeFields();
  if (window.ResizeObserver) {
    var pageObserver = new ResizeObserver(function (entries) {
      entries.forEach(function (entry) { scaleText(entry.target); });
    });
    pages.forEach(function (page) { pageObserver.observe(page); });
  } else {
    pages.forEach(scaleText);
  }
  root.classList.add("is-laid-out");

})();
