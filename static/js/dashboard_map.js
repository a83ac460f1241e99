/* The dashboard's map: the incidents embedded as GeoJSON, drawn as circles.
 *
 * There is no tile server to reach, so there is no base layer: the circles
 * alone, sized by the best figure of killed, each opening a popup that links
 * to its incident. Popups and tooltips are built from DOM nodes and
 * textContent, never from HTML strings, so incident titles stay text.
 */
(function () {
  "use strict";

  function radius(killed) {
    return Math.min(6 + 2.5 * Math.sqrt(killed || 0), 32);
  }

  function popup(properties) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = properties.url;
    link.textContent = properties.title;
    var title = document.createElement("strong");
    title.appendChild(link);
    box.appendChild(title);
    var facts = document.createElement("p");
    var killed = properties.killed === null ? "no figure" : String(properties.killed);
    var place = properties.place ? " · " + properties.place : "";
    if (properties.approximate) {
      place += " (approximate: the area's point)";
    }
    facts.textContent = properties.date + place + " · killed (best): " + killed;
    box.appendChild(facts);
    return box;
  }

  function init() {
    var container = document.getElementById("incident-map");
    var data = document.getElementById("incidents-geojson");
    if (!container || !data || typeof L === "undefined") {
      return;
    }
    var map = L.map(container, { attributionControl: false, worldCopyJump: true });
    var layer = L.geoJSON(JSON.parse(data.textContent), {
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, {
          radius: radius(feature.properties.killed),
          color: "#1f5f8b",
          weight: 1,
          fillColor: feature.properties.top_level ? "#1f5f8b" : "#9b1c1c",
          fillOpacity: 0.45,
          // An area's point (district, province, country): a dashed ring.
          dashArray: feature.properties.approximate ? "3 3" : null
        });
      },
      onEachFeature: function (feature, marker) {
        marker.bindPopup(popup(feature.properties));
        // A node, not a string: Leaflet inserts a string tooltip as HTML.
        var tip = document.createElement("span");
        tip.textContent = feature.properties.title;
        marker.bindTooltip(tip);
      }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds.pad(0.3), { maxZoom: 8 });
    } else {
      map.setView([20, 40], 2);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
