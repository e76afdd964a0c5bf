// wufei phone scanner (labels:scan): reads the QR code of an HJ 1276 label with the camera
// (getUserMedia) or from a photo, decodes it with jsQR (wufei/static/vendor/jsqr) and opens
// the container's page. No inline script: the CSP allows only script-src 'self'.
//
// What a QR may carry (wufei/labels/qr.py): a URL of this site, https://host/c/<ident>
// (opened as is, on this origin only), or the bare 37-character identification code
// (opened as <container-prefix><ident>). Anything else is shown, never followed.
(function () {
  "use strict";

  var IDENT = /^[0-9A-Z]{37}$/;

  // The path to open for a decoded text, or null when it is not for this site.
  function resolveTarget(text, origin, prefix) {
    var raw = String(text || "").trim();
    if (!raw) { return null; }
    var compact = raw.replace(/\s+/g, "").toUpperCase();
    if (IDENT.test(compact)) { return (prefix || "/c/") + compact; }
    var url;
    try { url = new URL(raw); } catch (e) { return null; }
    if (url.protocol !== "http:" && url.protocol !== "https:") { return null; }
    if (url.origin !== origin) { return null; }
    return url.pathname + url.search + url.hash;
  }

  window.wufeiScan = { resolveTarget: resolveTarget };

  function start(root) {
    var video = root.querySelector("[data-scanner-video]");
    var canvas = root.querySelector("[data-scanner-canvas]");
    var status = root.querySelector("[data-scanner-status]");
    var startButton = root.querySelector("[data-scanner-start]");
    var stopButton = root.querySelector("[data-scanner-stop]");
    var fileInput = root.querySelector("[data-scanner-file]");
    var prefix = root.getAttribute("data-container-prefix") || "/c/";
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    var stream = null;
    var lastDecode = 0;
    var done = false;

    function msg(name) { return root.getAttribute("data-msg-" + name) || ""; }
    function say(text, extra) {
      status.textContent = extra ? text + " " + extra : text;
      root.setAttribute("data-state", text ? "message" : "");
    }

    function found(text) {
      var target = resolveTarget(text, window.location.origin, prefix);
      if (target === null) {
        say(msg("foreign"), String(text).slice(0, 200));
        return false;
      }
      done = true;
      stopCamera();
      say(msg("found"));
      root.setAttribute("data-target", target);
      window.location.assign(target);
      return true;
    }

    function decode(source, width, height, attempts) {
      canvas.width = width;
      canvas.height = height;
      ctx.drawImage(source, 0, 0, width, height);
      var image = ctx.getImageData(0, 0, width, height);
      var code = window.jsQR(image.data, width, height, { inversionAttempts: attempts });
      return code ? code.data : null;
    }

    function tick(now) {
      if (!stream || done) { return; }
      if (video.readyState >= 2 && now - lastDecode > 150) {
        lastDecode = now;
        var scale = Math.min(1, 640 / Math.max(video.videoWidth, video.videoHeight));
        var text = decode(video, Math.round(video.videoWidth * scale),
                          Math.round(video.videoHeight * scale), "dontInvert");
        if (text !== null && found(text)) { return; }
      }
      window.requestAnimationFrame(tick);
    }

    function stopCamera() {
      if (stream) {
        stream.getTracks().forEach(function (t) { t.stop(); });
        stream = null;
      }
      video.hidden = true;
      startButton.hidden = false;
      stopButton.hidden = true;
    }

    function startCamera() {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        say(msg("nocamera"));
        return;
      }
      say(msg("starting"));
      navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 } },
        audio: false
      }).then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        startButton.hidden = true;
        stopButton.hidden = false;
        return video.play();
      }).then(function () {
        say(msg("scanning"));
        window.requestAnimationFrame(tick);
      }).catch(function (err) {
        stopCamera();
        say(err && err.name === "NotAllowedError" ? msg("denied") : msg("nocamera"));
      });
    }

    function loadImage(file) {
      if (window.createImageBitmap) { return window.createImageBitmap(file); }
      return new Promise(function (resolve, reject) {
        var img = new Image();
        var url = URL.createObjectURL(file);
        img.onload = function () { URL.revokeObjectURL(url); resolve(img); };
        img.onerror = function (e) { URL.revokeObjectURL(url); reject(e); };
        img.src = url;
      });
    }

    function readPhoto(file) {
      say(msg("reading"));
      loadImage(file).then(function (img) {
        var w = img.width, h = img.height;
        var sides = [1280, 800, 1800, Math.max(w, h)];
        for (var i = 0; i < sides.length; i++) {
          var scale = Math.min(1, sides[i] / Math.max(w, h));
          var text = decode(img, Math.max(1, Math.round(w * scale)),
                            Math.max(1, Math.round(h * scale)), "attemptBoth");
          if (text !== null) { found(text); return; }
        }
        say(msg("nocode"));
      }).catch(function () { say(msg("nocode")); });
    }

    startButton.addEventListener("click", startCamera);
    stopButton.addEventListener("click", function () { stopCamera(); say(""); });
    fileInput.addEventListener("change", function () {
      if (fileInput.files && fileInput.files[0]) { readPhoto(fileInput.files[0]); }
      fileInput.value = "";
    });
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) { stopCamera(); }
    });
    window.addEventListener("pagehide", stopCamera);
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(msg("nocamera"));
    }
    root.setAttribute("data-ready", "1");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector("[data-scanner]");
    if (root && window.jsQR) { start(root); }
  });
})();
