/* Signet signing page, part 2 of 3: the dialog that adopts a signature or initials.
   Draw on the <canvas> with pointer events (mouse, pen, finger), type a name (previewed in the
   handwriting font, rendered as PNG by the server so every script comes out right), or upload
   an image. SignetPage.markDialog.open(kind, options) resolves to {uri, mode, text} or null. */
(function () {
  "use strict";

  var page = window.SignetPage;
  var dialog = document.getElementById("mark-dialog");
  if (!page || !dialog) return;

  var $ = function (id) { return document.getElementById(id); };
  var canvas = $("mark-canvas");
  var ctx = canvas.getContext("2d");
  var textInput = $("mark-text");
  var fileInput = $("mark-file");
  var errorEl = $("mark-error");
  var title = $("mark-title");
  var adoptBtn = $("mark-adopt");
  var INK = "#14182a";
  var FONT = '"Signet Handwriting", cursive';
  var mode = null, hasInk = false, drawing = false, last = null;
  var kind = "signature", pending = null;

  function clearPad() {
    delete canvas.dataset.preview;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    hasInk = false;
    mode = null;
  }

  function clearAll() {
    clearPad();
    imageLoading = null;
    if (textInput) textInput.value = "";
    if (fileInput) fileInput.value = "";
  }

  // ------------------------------------------------------------------ drawing

  function point(e) {
    var rect = canvas.getBoundingClientRect();
    return {
      x: (e.clientX - rect.left) * canvas.width / rect.width,
      y: (e.clientY - rect.top) * canvas.height / rect.height,
      p: e.pointerType === "pen" && e.pressure ? e.pressure : 0.5
    };
  }

  function stroke(from, to) {
    ctx.strokeStyle = INK;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.lineWidth = 3 + to.p * 4;
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
    hasInk = true;
  }

  canvas.addEventListener("pointerdown", function (e) {
    e.preventDefault();
    if (mode !== "drawn") clearAll();
    mode = "drawn";
    drawing = true;
    canvas.setPointerCapture(e.pointerId);
    last = point(e);
    stroke(last, { x: last.x + 0.1, y: last.y + 0.1, p: last.p });
  });
  canvas.addEventListener("pointermove", function (e) {
    if (!drawing) return;
    var events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
    (events.length ? events : [e]).forEach(function (ev) {
      var next = point(ev);
      stroke(last, next);
      last = next;
    });
  });
  ["pointerup", "pointercancel", "lostpointercapture"].forEach(function (name) {
    canvas.addEventListener(name, function () { drawing = false; });
  });
  $("mark-clear").addEventListener("click", clearAll);

  // ------------------------------------------------------------------ typing and uploading

  function drawTyped() {
    if (mode !== "typed" || canvas.dataset.preview === "server") return;
    var text = textInput.value.trim();
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    var size = 120;
    ctx.font = size + "px " + FONT;
    var width = ctx.measureText(text).width;
    if (width > canvas.width * 0.9) {
      size = Math.max(20, Math.floor(size * canvas.width * 0.9 / width));
      ctx.font = size + "px " + FONT;
      width = ctx.measureText(text).width;
    }
    ctx.fillStyle = INK;
    ctx.fillText(text, (canvas.width - width) / 2, canvas.height * 0.68);
  }

  if (textInput) {
    textInput.addEventListener("input", function () {
      if (fileInput) fileInput.value = "";
      // Typed mode holds at once; the preview follows when the font has loaded.
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      delete canvas.dataset.preview;
      hasInk = false;
      mode = textInput.value.trim() ? "typed" : null;
      if (document.fonts && document.fonts.load) {
        document.fonts.load("120px " + FONT).then(drawTyped, drawTyped);
      } else {
        drawTyped();
      }
      requestServerMark();
    });
  }

  // After a pause in typing, show the server's rendering: the mark that will be adopted, with
  // fallback fonts for every script (the device may lack CJK fonts, say).
  var serverMark = { text: null, kind: null, uri: null };
  var markTimer = null;

  function requestServerMark() {
    window.clearTimeout(markTimer);
    markTimer = window.setTimeout(function () {
      var text = textInput.value.trim();
      var forKind = kind;
      if (!text || mode !== "typed") return;
      page.api("/typed-mark", { text: text, kind: forKind }).then(function (res) {
        if (!res.ok) return;
        serverMark = { text: text, kind: forKind, uri: res.body.data_uri };
        var img = new Image();
        img.onload = function () {
          if (mode !== "typed" || kind !== forKind || textInput.value.trim() !== text) return;
          var scale = Math.min(canvas.width / img.width, canvas.height / img.height);
          var w = img.width * scale, h = img.height * scale;
          ctx.clearRect(0, 0, canvas.width, canvas.height);
          ctx.drawImage(img, (canvas.width - w) / 2, (canvas.height - h) / 2, w, h);
          canvas.dataset.preview = "server";
        };
        img.src = res.body.data_uri;
      });
    }, 400);
  }

  // Set while an uploaded image is being decoded, so that adopting waits for it.
  var imageLoading = null;

  if (fileInput) {
    fileInput.addEventListener("change", function () {
      var file = fileInput.files && fileInput.files[0];
      if (!file) return;
      var url = URL.createObjectURL(file);
      var img = new Image();
      var done;
      imageLoading = new Promise(function (resolve) { done = resolve; });
      img.onload = function () {
        clearPad();
        if (textInput) textInput.value = "";
        var scale = Math.min(canvas.width / img.width, canvas.height / img.height, 1);
        var w = img.width * scale, h = img.height * scale;
        ctx.drawImage(img, (canvas.width - w) / 2, (canvas.height - h) / 2, w, h);
        mode = "uploaded";
        hasInk = true;
        URL.revokeObjectURL(url);
        done();
      };
      img.onerror = function () {
        errorEl.textContent = "This file is not an image we can read; choose a PNG or JPEG.";
        URL.revokeObjectURL(url);
        done();
      };
      img.src = url;
    });
  }

  // A PNG of the ink only, with a small margin, so the mark fills its fields.
  function trimmedPng() {
    var w = canvas.width, h = canvas.height;
    var pixels = ctx.getImageData(0, 0, w, h).data;
    var minX = w, minY = h, maxX = -1, maxY = -1;
    for (var y = 0; y < h; y++) {
      for (var x = 0; x < w; x++) {
        if (pixels[(y * w + x) * 4 + 3] > 8) {
          if (x < minX) minX = x;
          if (x > maxX) maxX = x;
          if (y < minY) minY = y;
          if (y > maxY) maxY = y;
        }
      }
    }
    if (maxX < 0) return canvas.toDataURL("image/png");
    var pad = 12;
    minX = Math.max(0, minX - pad); minY = Math.max(0, minY - pad);
    maxX = Math.min(w - 1, maxX + pad); maxY = Math.min(h - 1, maxY + pad);
    var out = document.createElement("canvas");
    out.width = maxX - minX + 1;
    out.height = maxY - minY + 1;
    out.getContext("2d").drawImage(canvas, minX, minY, out.width, out.height, 0, 0, out.width, out.height);
    return out.toDataURL("image/png");
  }

  // ------------------------------------------------------------------ opening and adopting

  function finish(result) {
    var current = pending;
    pending = null;
    if (current) current.resolve(result);
  }

  function open(markKind, options) {
    options = options || {};
    if (pending) finish(null);
    kind = markKind;
    clearAll();
    errorEl.textContent = "";
    title.textContent = kind === "initials" ? "Adopt your initials" : "Adopt your signature";
    canvas.setAttribute("aria-label", kind === "initials" ? "Initials drawing area" : "Signature drawing area");
    if (textInput) {
      textInput.placeholder = options.placeholder || "";
      textInput.maxLength = kind === "initials" ? 64 : 255;
      if (options.typed) {
        textInput.value = options.typed;
        textInput.dispatchEvent(new Event("input"));
      }
    }
    return new Promise(function (resolve) {
      pending = { resolve: resolve, trigger: options.trigger || null };
      dialog.showModal();
      title.setAttribute("tabindex", "-1");
      title.focus();
    });
  }

  $("mark-cancel").addEventListener("click", function () { dialog.close(); });
  dialog.addEventListener("close", function () {
    var trigger = pending && pending.trigger;
    finish(null);
    if (trigger) trigger.focus();
  });

  $("mark-form").addEventListener("submit", function (e) {
    e.preventDefault();
    if (imageLoading) {
      var loading = imageLoading;
      imageLoading = null;
      loading.then(function () { adopt(); });
      return;
    }
    adopt();
  });

  function adopt() {
    var text = textInput ? textInput.value.trim() : "";
    if (!mode && text) mode = "typed";
    if (!mode || (mode === "typed" && !text) || (mode !== "typed" && !hasInk)) {
      errorEl.textContent = textInput ? "Draw in the box or type your name first." : "Draw in the box first.";
      return;
    }
    var used = mode;
    var trigger = pending && pending.trigger;
    adoptBtn.disabled = true;
    var known = serverMark.text === text && serverMark.kind === kind ? serverMark.uri : null;
    var ready = used !== "typed" ? Promise.resolve(trimmedPng())
      : known ? Promise.resolve(known)
        : page.api("/typed-mark", { text: text, kind: kind }).then(function (res) {
          return res.ok ? res.body.data_uri : trimmedPng();
        });
    ready.then(function (uri) {
      adoptBtn.disabled = false;
      finish({ uri: uri, mode: used, text: used === "typed" ? text : null });
      dialog.close();
      if (trigger) trigger.focus();
    });
  }

  page.markDialog = { open: open };
})();
