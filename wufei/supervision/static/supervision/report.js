/* The public report page: the phone's position (navigator.geolocation) or a click on the map
   (city boundaries, no tiles) fills the hidden latitude/longitude; no inline script (CSP). */
(function () {
  "use strict";
  function init() {
    var form = document.getElementById("report-form");
    if (!form) return;
    var lat = form.querySelector("input[name=latitude]");
    var lon = form.querySelector("input[name=longitude]");
    var status = form.querySelector("[data-location-status]");
    var mapBox = form.querySelector("[data-report-map]");
    var map = null, marker = null;

    function set(la, lo) {
      lat.value = la.toFixed(6);
      lon.value = lo.toFixed(6);
      status.textContent = status.dataset.set + " " + lat.value + ", " + lon.value;
      if (map) {
        if (marker) marker.setLatLng([la, lo]);
        else marker = L.circleMarker([la, lo], { radius: 9, color: "#fff", weight: 2, fillColor: "#c62828", fillOpacity: 1 }).addTo(map);
      }
    }

    form.querySelector("[data-locate]").addEventListener("click", function () {
      if (!navigator.geolocation) { status.textContent = status.dataset.failed; return; }
      status.textContent = status.dataset.busy;
      navigator.geolocation.getCurrentPosition(
        function (pos) { set(pos.coords.latitude, pos.coords.longitude); },
        function () { status.textContent = status.dataset.failed; },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });

    var pick = form.querySelector("[data-pick]");
    pick.addEventListener("click", function () {
      mapBox.hidden = false;
      if (map || typeof L === "undefined") return;
      map = L.map(mapBox, { attributionControl: false }).setView([29.2, 120.1], 7);
      fetch(pick.dataset.areas, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          var layer = L.geoJSON(data, { style: function () { return { color: "#7b8794", weight: 1, fillColor: "#e8eef3", fillOpacity: 0.7 }; } }).addTo(map);
          if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds());
        });
      map.on("click", function (e) { set(e.latlng.lat, e.latlng.lng); });
      if (lat.value && lon.value) set(Number(lat.value), Number(lon.value));
    });

    var photos = form.querySelector("input[type=file]");
    if (photos) {
      photos.addEventListener("change", function () {
        if (photos.files.length > 5) {
          photos.setCustomValidity(photos.dataset.tooMany || "最多上传 5 张照片");
          photos.reportValidity();
        } else {
          photos.setCustomValidity("");
        }
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
