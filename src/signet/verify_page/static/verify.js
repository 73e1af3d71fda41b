/* Progressive enhancement of the /verify form: drop a PDF on the box to check it at once, and
   a file over the size limit is refused here rather than after the upload. The page works the
   same without this script (a plain multipart form post). */
(function () {
  "use strict";
  var form = document.querySelector("form.drop");
  if (!form) { return; }
  var input = form.querySelector("input[type=file]");
  var hint = form.querySelector(".drop__hint");
  var status = form.querySelector(".drop__status");
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;

  function tooLarge() {
    var file = input.files && input.files[0];
    if (file && maxBytes && file.size > maxBytes) {
      status.textContent = form.getAttribute("data-max-text");
      return true;
    }
    status.textContent = "";
    return false;
  }

  form.classList.add("drop--enabled");
  hint.hidden = false;
  ["dragenter", "dragover"].forEach(function (name) {
    form.addEventListener(name, function (event) {
      event.preventDefault();
      form.classList.add("drop--over");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    form.addEventListener(name, function () { form.classList.remove("drop--over"); });
  });
  form.addEventListener("drop", function (event) {
    event.preventDefault();
    var files = event.dataTransfer && event.dataTransfer.files;
    if (!files || !files.length) { return; }
    var one = new DataTransfer();
    one.items.add(files[0]);
    input.files = one.files;
    if (!tooLarge()) {
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    }
  });
  input.addEventListener("change", tooLarge);
  form.addEventListener("submit", function (event) {
    if (tooLarge()) { event.preventDefault(); }
  });
}());
