// wufei manifests: read a label's QR with the camera (jsQR, as the labels scanner does) and
// put it into the scan form's code field, then submit the form (htmx posts it). Without a
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
  document.addEventListener("DOMContentLoaded", scan);
  document.addEventListener("htmx:afterSwap", function () {
    stop(); scan();
    var field = document.querySelector("#scan-panel input[name=code]");
    if (field) { field.focus(); }
  });
  window.addEventListener("pagehide", stop);
})();
