/* The dashboard's map: the incidents drawn as circles, fetched as GeoJSON
 * from the address the page names (`data-src`, the page's own filters), so
 * that the figures and the table do not wait for 2,000 markers.
 *
 * There is no tile server to reach: the land is Natural Earth's country
 * outlines, served from our own static files (`data-land`, world-atlas read
 * with topojson-client), drawn in a pane under the circles, and, once zoomed
 * in to a region, the outlines of its provinces (`data-provinces`, asked for
 * by the view's bounding box as the map moves; each drawn once). The circles are
 * sized by the best figure of killed, each opening a popup that links to its
 * incident. Popups and tooltips are built from DOM nodes and
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

  function land(map, url) {
    if (!url || typeof topojson === "undefined") {
      return;
    }
    map.createPane("land");
    map.getPane("land").style.zIndex = 250; // under the markers' pane (400)
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (world) {
        var countries = topojson.feature(world, world.objects.countries);
        L.geoJSON(countries, {
          pane: "land",
          interactive: false,
          style: { color: "#8a8f98", weight: 0.8, fillColor: "#eef0e6", fillOpacity: 1 }
        }).addTo(map);
        map.getContainer().setAttribute("data-land-state", "drawn");
      })
      .catch(function () {
        map.getContainer().setAttribute("data-land-state", "missing");
      });
  }

  var PROVINCES_FROM_ZOOM = 4; // a continent's worth of provinces at most

  function clamp(value, limit) {
    return Math.max(-limit, Math.min(limit, value)).toFixed(3);
  }

  function provinces(map, url) {
    if (!url) {
      return;
    }
    map.createPane("provinces");
    map.getPane("provinces").style.zIndex = 260; // over the land, under the markers
    var container = map.getContainer();
    var drawn = {};
    var count = 0;
    var layer = L.geoJSON(null, {
      pane: "provinces",
      interactive: false,
      style: { color: "#9aa0a8", weight: 0.7, dashArray: "4 3", fill: false }
    }).addTo(map);
    function load() {
      if (map.getZoom() < PROVINCES_FROM_ZOOM) {
        return;
      }
      var view = map.getBounds().pad(0.25);
      var bbox = [
        clamp(view.getWest(), 180), clamp(view.getSouth(), 90),
        clamp(view.getEast(), 180), clamp(view.getNorth(), 90)
      ].join(",");
      fetch(url + "?bbox=" + bbox, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (data) {
          data.features.forEach(function (feature) {
            if (!drawn[feature.id]) {
              drawn[feature.id] = true;
              count += 1;
              layer.addData(feature);
            }
          });
          container.setAttribute("data-provinces-drawn", String(count));
        })
        .catch(function () {
          container.setAttribute("data-provinces-state", "missing");
        });
    }
    map.on("moveend", load);
    load();
  }

  function draw(container, data) {
    var map = L.map(container, { attributionControl: false, worldCopyJump: true });
    land(map, container.getAttribute("data-land"));
    var layer = L.geoJSON(data, {
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
    provinces(map, container.getAttribute("data-provinces"));
    container.setAttribute("data-loaded", String(data.features.length));
  }

  function failed(container) {
    var note = document.createElement("p");
    note.className = "notice";
    note.setAttribute("role", "alert");
    note.textContent =
      "The map could not be loaded; the reconciliation table below lists the incidents.";
    container.replaceWith(note);
  }

  function init() {
    var container = document.getElementById("incident-map");
    if (!container || typeof L === "undefined") {
      return;
    }
    fetch(container.getAttribute("data-src"), {
      credentials: "same-origin",
      headers: { Accept: "application/geo+json, application/json" }
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        draw(container, data);
      })
      .catch(function () {
        failed(container);
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
