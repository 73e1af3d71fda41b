/* Signet signing page, part 3 of 3: the recipient's form. Values, live conditions, guided
   navigation, file uploads, the consent, signature fields, Finish and Decline. */
(function () {
  "use strict";

  var page = window.SignetPage;
  if (!page || page.data.pageState !== "signable") return;
  var root = page.root, data = page.data, post = page.post, api = page.api, toast = page.toast;
  var signetPayload = page.signetPayload, sessionPayload = page.sessionPayload;
  var errorText = page.errorText, evaluate = page.conditions.evaluate;
  var filled = page.conditions.filled;

  var $ = function (id) { return document.getElementById(id); };
  var mine = Array.prototype.slice.call(root.querySelectorAll(".field--mine"));
  var marks = { signature: null, signatureKind: null, signatureText: null, initials: null, initialsText: null };
  var marked = {};
  var files = {};
  var finishBtn = $("finish");
  var consentBox = $("consent");
  var consentAccepted = consentBox ? consentBox.disabled : true;

  function controlOf(el) {
    return el.querySelector("input, select, textarea, button.field__mark");
  }

  function isMark(el) {
    var t = el.dataset.fieldType;
    return t === "signature" || t === "initial" || t === "approval_signature";
  }

  function markKind(el) { return el.dataset.fieldType === "initial" ? "initials" : "signature"; }

  function valueOf(el) {
    var id = el.dataset.fieldId;
    var type = el.dataset.fieldType;
    var control = controlOf(el);
    if (el.dataset.autoDate) return data.today;
    if (isMark(el)) return marked[id] ? "signed" : null;
    if (type === "checkbox" || type === "approval_checkmark" || type === "radio_buttons") {
      return control.checked ? "true" : "false";
    }
    if (type === "file") return files[id] ? files[id].token : null;
    var value = control.value;
    return value.trim() === "" ? null : value;
  }

  function currentValues() {
    var values = {};
    mine.forEach(function (el) { values[el.dataset.fieldId] = valueOf(el); });
    return values;
  }

  function isRequired(el, values) {
    return el.dataset.required === "true" && !el.hidden &&
      (!el.dataset.requiredIf || evaluate(el.dataset.requiredIf, values));
  }

  function isFilled(el, values) {
    var type = el.dataset.fieldType;
    if (type === "radio_buttons" && el.dataset.group) {
      return mine.some(function (other) {
        return other.dataset.group === el.dataset.group && values[other.dataset.fieldId] === "true";
      });
    }
    return filled(values[el.dataset.fieldId]);
  }

  function refresh() {
    var values = currentValues();
    root.querySelectorAll("[data-visible-if]").forEach(function (el) {
      el.hidden = !evaluate(el.dataset.visibleIf, values);
    });
    var required = 0, done = 0, groupsSeen = {};
    mine.forEach(function (el) {
      var req = isRequired(el, values);
      var full = isFilled(el, values);
      el.classList.toggle("field--required", req);
      el.classList.toggle("field--filled", full);
      var control = controlOf(el);
      if (control && control.tagName !== "BUTTON") control.setAttribute("aria-required", req ? "true" : "false");
      if (full) el.classList.remove("field--invalid");
      // A radio group counts once, however many options it has.
      var group = el.dataset.fieldType === "radio_buttons" && el.dataset.group;
      if (!req || (group && groupsSeen[group])) return;
      if (group) groupsSeen[group] = true;
      required += 1;
      if (full) done += 1;
    });
    var progress = $("progress");
    if (progress) progress.textContent = required ? done + " of " + required + " required fields done" : "";
    return values;
  }

  function missingFields() {
    var values = refresh();
    return mine.filter(function (el) { return isRequired(el, values) && !isFilled(el, values); });
  }

  function focusField(el) {
    el.scrollIntoView({ block: "center", behavior: "smooth" });
    var control = controlOf(el);
    if (control) control.focus({ preventScroll: true });
  }

  // ---------------------------------------------------------------- guided navigation

  var nextBtn = $("next-field");
  if (nextBtn) {
    nextBtn.addEventListener("click", function () {
      var values = refresh();
      var active = document.activeElement && document.activeElement.closest(".field--mine");
      var start = active ? mine.indexOf(active) + 1 : 0;
      var order = mine.slice(start).concat(mine.slice(0, start)).filter(function (el) { return !el.hidden; });
      var target = order.find(function (el) { return isRequired(el, values) && !isFilled(el, values); }) ||
        order.find(function (el) { return !isFilled(el, values) && !el.dataset.autoDate; });
      if (target) focusField(target); else finishBtn.focus();
    });
  }

  // ---------------------------------------------------------------- field events

  mine.forEach(function (el) {
    var control = controlOf(el);
    if (!control) return;
    var id = el.dataset.fieldId;
    var wasFilled = null;
    function changed() {
      var values = refresh();
      var now = isFilled(el, values);
      if (now !== wasFilled) {
        wasFilled = now;
        post("signet.signing.field_changed", signetPayload({ field_id: id, filled: now }));
      }
    }
    if (isMark(el)) {
      control.addEventListener("click", function () { onMarkField(el); });
      return;
    }
    var type = el.dataset.fieldType;
    if (type === "checkbox" && el.dataset.group) {
      control.addEventListener("change", function () {
        if (!control.checked) return;
        mine.forEach(function (other) {
          if (other !== el && other.dataset.group === el.dataset.group) controlOf(other).checked = false;
        });
      });
    }
    if (type === "radio_buttons") {
      control.addEventListener("change", function () {
        mine.forEach(function (other) {
          if (other.dataset.group === el.dataset.group) other.dispatchEvent(new Event("signet:refresh"));
        });
      });
      el.addEventListener("signet:refresh", changed);
    }
    if (type === "file") {
      control.addEventListener("change", function () { uploadFile(el, control).then(changed); });
      return;
    }
    control.addEventListener("input", refresh);
    control.addEventListener("change", changed);
  });

  function uploadFile(el, input) {
    var id = el.dataset.fieldId;
    var file = input.files && input.files[0];
    var nameEl = el.querySelector(".field__file-name");
    delete files[id];
    if (!file) { nameEl.textContent = "Attach file"; return Promise.resolve(); }
    if (file.size > 10 * 1024 * 1024) {
      input.value = "";
      nameEl.textContent = "Attach file";
      toast("The file is larger than 10 MB.");
      return Promise.resolve();
    }
    nameEl.textContent = "Uploading…";
    return api("/upload/" + encodeURIComponent(id), file, {
      raw: true,
      headers: { "Content-Type": file.type || "application/octet-stream", "X-File-Name": encodeURIComponent(file.name) }
    }).then(function (res) {
      if (!res.ok) {
        input.value = "";
        nameEl.textContent = "Attach file";
        toast(errorText(res.body));
        return;
      }
      files[id] = res.body;
      nameEl.textContent = res.body.file_name;
      toast("");
    });
  }

  // ---------------------------------------------------------------- consent

  if (consentBox && !consentAccepted) {
    consentBox.addEventListener("change", function () {
      if (!consentBox.checked) return;
      api("/consent", {}).then(function (res) {
        if (res.ok) {
          consentAccepted = true;
          consentBox.disabled = true;
          $("consent-box").classList.add("consent--done");
          toast("");
        } else {
          consentBox.checked = false;
          toast(errorText(res.body));
        }
      });
    });
  }

  // ---------------------------------------------------------------- signature and initials

  function initialsOf(name) {
    return name.split(/\s+/).filter(Boolean).map(function (part) { return Array.from(part)[0]; })
      .join("").toUpperCase().slice(0, 4);
  }

  function showMark(el, uri) {
    var button = controlOf(el);
    var img = button.querySelector("img");
    if (!img) {
      img = document.createElement("img");
      img.className = "field__mark-img";
      button.textContent = "";
      button.appendChild(img);
    }
    img.src = uri;
    img.alt = markKind(el) === "initials" ? "Your initials" : "Your signature";
    button.setAttribute("aria-label", (el.dataset.label || "Signature") + " (signed; activate to change)");
    marked[el.dataset.fieldId] = true;
    post("signet.signing.field_changed", signetPayload({ field_id: el.dataset.fieldId, filled: true }));
  }

  // One adopted mark per kind, reused in every field: the first click on a field opens the
  // dialog, later clicks on empty fields place the mark, a click on a signed field changes it.
  function onMarkField(el) {
    var kind = markKind(el);
    var uri = kind === "initials" ? marks.initials : marks.signature;
    if (uri && !marked[el.dataset.fieldId]) {
      showMark(el, uri);
      refresh();
      return;
    }
    var name = data.signerName || "";
    var typed = kind === "initials"
      ? marks.initialsText || (marks.signatureText ? initialsOf(marks.signatureText) : "")
      : (marks.signatureKind === "typed" ? marks.signatureText : "");
    page.markDialog.open(kind, {
      trigger: controlOf(el), typed: typed,
      placeholder: kind === "initials" ? initialsOf(name) : name
    }).then(function (result) {
      if (!result) return;
      if (kind === "initials") {
        marks.initials = result.uri;
        marks.initialsText = result.text;
      } else {
        marks.signature = result.uri;
        marks.signatureKind = result.mode;
        marks.signatureText = result.text;
      }
      mine.forEach(function (other) {
        if (isMark(other) && markKind(other) === kind && (marked[other.dataset.fieldId] || other === el)) {
          showMark(other, result.uri);
        }
      });
      refresh();
    });
  }

  // ---------------------------------------------------------------- finish

  function setBusy(busy) {
    root.classList.toggle("is-busy", busy);
    finishBtn.disabled = busy;
    var declineOpen = $("decline-open");
    if (declineOpen) declineOpen.disabled = busy;
  }

  function showOutcome(title, message, downloadUrl) {
    $("document").hidden = true;
    var consent = $("consent-box");
    if (consent) consent.hidden = true;
    var actions = $("actions");
    if (actions) actions.hidden = true;
    toast("");
    $("completion-title").textContent = title;
    $("completion-message").textContent = message;
    var link = $("completion-download");
    if (downloadUrl) { link.href = downloadUrl; link.hidden = false; }
    var section = $("completion");
    section.hidden = false;
    section.focus();
    window.scrollTo(0, 0);
  }

  function safeRedirect(url) {
    try {
      var parsed = new URL(url, location.href);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (e) { return null; }
  }

  function finished(result) {
    post("session_view.document.completed", sessionPayload({
      status: result.pandadoc_status, recipient_completed: true, completed_at: result.finished_at
    }));
    post("signet.signing.signed", signetPayload({
      finished_at: result.finished_at, request_status: result.request_status,
      redirect_url: result.redirect_url, redirect_delay: result.redirect_delay
    }));
    if (result.request_completed) {
      post("signet.signing.completed", signetPayload({ finished_at: result.finished_at }));
    }
    root.classList.add("is-finished");
    showOutcome(result.completion_title, result.completion_message, result.download_url);
    var target = result.redirect_url && safeRedirect(result.redirect_url);
    if (!page.framed && target) {
      var delay = Math.max(0, Math.min(30, Number(result.redirect_delay) || 0));
      var note = $("completion-redirect");
      note.textContent = "You will be taken onwards in " + delay + " seconds.";
      note.hidden = false;
      window.setTimeout(function () { window.location.assign(target); }, delay * 1000);
    }
  }

  finishBtn.addEventListener("click", function () {
    if (consentBox && !consentBox.checked) {
      toast("Please check the box to agree to sign electronically.");
      consentBox.scrollIntoView({ block: "center" });
      consentBox.focus({ preventScroll: true });
      return;
    }
    var missing = missingFields();
    if (missing.length) {
      missing.forEach(function (el) { el.classList.add("field--invalid"); });
      toast(missing.length === 1 ? "One required field is still empty." :
        missing.length + " required fields are still empty.");
      focusField(missing[0]);
      return;
    }
    var values = {};
    mine.forEach(function (el) {
      if (el.dataset.autoDate) return;
      values[el.dataset.fieldId] = el.hidden ? null : valueOf(el);
    });
    var body = { consent: true, values: values };
    if (marks.signature) {
      body.signature = marks.signature;
      body.signature_kind = marks.signatureKind;
      body.signature_text = marks.signatureText;
    }
    if (marks.initials) {
      body.initials = marks.initials;
      body.initials_text = marks.initialsText;
    }
    setBusy(true);
    api("/finish", body).then(function (res) {
      if (!res.ok) {
        setBusy(false);
        toast(errorText(res.body));
        return;
      }
      finished(res.body);
    });
  });

  // ---------------------------------------------------------------- decline

  var declineDialog = $("decline-dialog");
  var declineOpener = $("decline-open");
  declineOpener.addEventListener("click", function () {
    $("decline-error").textContent = "";
    declineDialog.showModal();
    $("decline-reason").focus();
  });
  $("decline-cancel").addEventListener("click", function () { declineDialog.close(); });
  declineDialog.addEventListener("close", function () {
    if (!root.classList.contains("is-finished")) declineOpener.focus();
  });
  $("decline-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var reason = $("decline-reason").value.trim();
    if (!reason) {
      $("decline-error").textContent = "Tell the sender why you decline.";
      $("decline-reason").focus();
      return;
    }
    var confirm = $("decline-confirm");
    confirm.disabled = true;
    api("/decline", { reason: reason }).then(function (res) {
      confirm.disabled = false;
      if (!res.ok) {
        $("decline-error").textContent = errorText(res.body);
        return;
      }
      root.classList.add("is-finished");
      declineDialog.close();
      page.reportException("declined", "The recipient declined to sign");
      post("signet.signing.declined", signetPayload({
        declined_at: res.body.declined_at, reason: res.body.reason
      }));
      showOutcome("You declined to sign", "The sender has been told. You can close this page.", null);
    });
  });

  refresh();
})();
