// wufei manifests: read a label's QR with the camera (jsQR, as the labels scanner does) and
// put it into the scan form's code field, then submit the form (posted in the background). Without a
// camera the text field stays: a hardware scanner types the code and Enter into it.
(function () {
  "use strict";
  var stream = null;

  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
  }

  function init(box) {
    if (box.getAttribute("data-ready")) { return; }
    box.setAttribute("data-ready", "1");
    if (!window.jsQR || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return; }
    box.hidden = false;
    var form = box.closest("form");
    var field = form.querySelector("input[name=code]");
    var video = box.querySelector("[data-scanfill-video]");
    var canvas = box.querySelector("[data-scanfill-canvas]");
    var status = box.querySelector("[data-scanfill-status]");
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    function tick() {
      if (!stream) { return; }
      if (video.readyState >= 2) {
        var scale = Math.min(1, 640 / Math.max(video.videoWidth, video.videoHeight));
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
        var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
        var code = window.jsQR(img.data, canvas.width, canvas.height, { inversionAttempts: "dontInvert" });
        if (code && code.data) {
          stop();
          video.hidden = true;
          field.value = code.data.trim();
          var weight = form.querySelector("input[name=weight_kg]");
          if (weight && !weight.value) { weight.focus(); return; }
          if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
          return;
        }
      }
      window.setTimeout(function () { window.requestAnimationFrame(tick); }, 150);
    }
    box.querySelector("[data-scanfill-start]").addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
        .then(function (s) { stream = s; video.srcObject = s; video.hidden = false; return video.play(); })
        .then(function () { window.requestAnimationFrame(tick); })
        .catch(function () { stop(); status.textContent = box.getAttribute("data-msg-nocamera"); });
    });
  }

  function scan() { document.querySelectorAll("[data-scanfill]").forEach(init); }

  // A scan is posted in the background and only the panel (message, count, containers left)
  // comes back: a few kB on a slow connection. Without fetch the form posts as a page.
  var busy = false;
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var panel = document.getElementById("scan-panel");
    if (!form.hasAttribute || !form.hasAttribute("data-scan-form") || !panel || !window.fetch) { return; }
    ev.preventDefault();
    if (busy) { return; }
    busy = true;
    window.fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "HX-Request": "true" }
    }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.text();
    }).then(function (html) {
      busy = false;
      stop();
      panel.innerHTML = html;
      if (window.htmx) { window.htmx.process(panel); }
      scan();
      var field = panel.querySelector("input[name=code]");
      if (field) { field.focus(); }
    }).catch(function () { busy = false; form.submit(); });
  });
  document.addEventListener("DOMContentLoaded", scan);
  window.addEventListener("pagehide", stop);
})();
