/* Trip, evidence and clue maps on Leaflet without tiles: the region boundaries are the
   background. Data comes from a <script type="application/json"> element named by the map's
   data-source attribute; no inline script (CSP). */
(function () {
  "use strict";

  var STATUS_COLOURS = { new: "#c62828", verifying: "#ef6c00", "case": "#1565c0", dismissed: "#757575" };

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function popup(props, strings) {
    var box = el("div", "map-popup");
    box.appendChild(el("strong", null, props.label || ""));
    if (props.summary) box.appendChild(el("div", null, props.summary));
    if (props.started_at) {
      box.appendChild(el("div", "muted", props.started_at + (props.ended_at ? " – " + props.ended_at : "")));
    }
    if (props.time) box.appendChild(el("div", "muted", props.time));
    if (props.distance_m !== undefined) box.appendChild(el("div", "muted", props.distance_m + " m"));
    var link = props.warning_url || props.url;
    if (link) {
      var a = el("a", null, props.warning_url ? strings.warning : strings.open);
      a.href = link;
      box.appendChild(a);
    }
    return box;
  }

  function boundaryLayer(map, data) {
    if (!data || !data.features || !data.features.length) return null;
    return L.geoJSON(data, {
      style: function () {
        return { color: "#7b8794", weight: 1, fillColor: "#e8eef3", fillOpacity: 0.7 };
      },
      onEachFeature: function (f, layer) {
        layer.bindTooltip(f.properties.name || "", { sticky: true, className: "region-tip" });
      },
    }).addTo(map);
  }

  function fmtTime(t) {
    var d = new Date(t * 1000);
    function p(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " + p(d.getHours()) + ":" + p(d.getMinutes());
  }

  function playback(map, path, root) {
    var slider = root.querySelector("[data-playback]");
    var label = root.querySelector("[data-playback-time]");
    var button = root.querySelector("[data-playback-play]");
    if (!slider || !path || path.length < 2) return;
    var t0 = path[0][2], t1 = path[path.length - 1][2];
    var truck = L.circleMarker([path[0][0], path[0][1]], {
      radius: 8, color: "#0d47a1", weight: 3, fillColor: "#fff", fillOpacity: 1,
    }).addTo(map);
    function at(t) {
      var k = 0;
      while (k < path.length - 2 && path[k + 1][2] < t) k++;
      var a = path[k], b = path[k + 1];
      var s = b[2] > a[2] ? Math.min(Math.max((t - a[2]) / (b[2] - a[2]), 0), 1) : 0;
      return [a[0] + (b[0] - a[0]) * s, a[1] + (b[1] - a[1]) * s];
    }
    function show() {
      var t = t0 + (t1 - t0) * (Number(slider.value) / Number(slider.max));
      truck.setLatLng(at(t));
      if (label) label.textContent = fmtTime(t);
    }
    slider.addEventListener("input", show);
    var timer = null;
    if (button) {
      button.addEventListener("click", function () {
        if (timer) { clearInterval(timer); timer = null; button.textContent = button.dataset.play; return; }
        if (Number(slider.value) >= Number(slider.max)) slider.value = 0;
        button.textContent = button.dataset.pause;
        timer = setInterval(function () {
          var v = Number(slider.value) + 2;
          if (v >= Number(slider.max)) { v = Number(slider.max); clearInterval(timer); timer = null; button.textContent = button.dataset.play; }
          slider.value = v;
          show();
        }, 50);
      });
    }
    show();
  }

  function draw(root) {
    var source = document.getElementById(root.dataset.source);
    if (!source || typeof L === "undefined") return;
    var data = JSON.parse(source.textContent);
    var strings = { warning: root.dataset.warningLabel || "预警", open: root.dataset.openLabel || "查看" };
    var canvas = root.querySelector(".map-canvas") || root;
    // a view first: vector layers cannot be added to a map that has none
    var map = L.map(canvas, { zoomSnap: 0.25, attributionControl: false }).setView([29.2, 120.1], 7);
    var bounds = L.latLngBounds([]);
    var background = boundaryLayer(map, data.boundaries);
    var focusLayer = null;
    var fc = data.features || { type: "FeatureCollection", features: [] };
    fc.features.forEach(function (f) {
      var p = f.properties || {};
      var g = f.geometry;
      var layer = null;
      if (p.kind === "path") {
        layer = L.polyline(g.coordinates.map(function (c) { return [c[1], c[0]]; }), {
          color: "#1565c0", weight: 4, opacity: 0.85,
        });
      } else if (p.kind === "match") {
        layer = L.polyline(g.coordinates.map(function (c) { return [c[1], c[0]]; }), {
          color: "#c62828", weight: 2, dashArray: "6 4",
        });
        layer.bindPopup(popup(p, strings));
        L.circleMarker([g.coordinates[0][1], g.coordinates[0][0]], {
          radius: 5, color: "#c62828", weight: 2, fillColor: "#fff", fillOpacity: 1,
        }).bindPopup(popup(p, strings)).addTo(map);
      } else if (p.kind === "origin" || p.kind === "destination") {
        layer = L.circleMarker([g.coordinates[1], g.coordinates[0]], {
          radius: 9, color: "#fff", weight: 2, fillOpacity: 1,
          fillColor: p.kind === "origin" ? "#2e7d32" : "#283593",
        });
        layer.bindTooltip(p.label || "", { permanent: false });
      } else if (p.kind === "finding") {
        (p.points || []).forEach(function (q) {
          L.circleMarker([q[0], q[1]], { radius: 3, color: p.colour, weight: 1, fillOpacity: 0.6 }).addTo(map);
        });
        layer = L.circleMarker([g.coordinates[1], g.coordinates[0]], {
          radius: 11, color: "#fff", weight: 3, fillColor: p.colour, fillOpacity: 0.95,
        });
        layer.bindPopup(popup(p, strings));
        if (data.focus && f.id === "finding-" + data.focus) focusLayer = layer;
      } else if (p.kind === "clue") {
        layer = L.circleMarker([g.coordinates[1], g.coordinates[0]], {
          radius: 9, color: "#fff", weight: 2, fillOpacity: 0.95, fillColor: STATUS_COLOURS[p.status] || "#555",
        });
        layer.bindPopup(popup(p, strings));
      }
      if (layer) {
        layer.addTo(map);
        if (layer.getBounds) bounds.extend(layer.getBounds()); else bounds.extend(layer.getLatLng());
      }
    });
    if (bounds.isValid()) {
      map.fitBounds(bounds.pad(0.15), { maxZoom: 13, animate: false });
    } else if (background) {
      map.fitBounds(background.getBounds(), { animate: false });
    }
    if (focusLayer) focusLayer.openPopup();
    playback(map, data.path, root);
    root.classList.add("map-ready");
  }

  function init() {
    document.querySelectorAll("[data-map]").forEach(draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
