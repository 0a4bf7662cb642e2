// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // After a submit with errors, make sure focus lands on the first field in error.
  var first = document.querySelector(".has-error input, .has-error select, .has-error textarea");
  if (first && document.activeElement === document.body) { first.focus(); }
});

// Diagrams: without this file they show at their own size in a scrollable frame. Here: zoom
// buttons, + and - keys on the frame, Ctrl+wheel zoom, and drag to pan.
(function () {
  var STEPS = [0.25, 0.33, 0.5, 0.67, 0.8, 1, 1.25, 1.5, 2, 3];

  function setUp(view) {
    var frame = view.querySelector(".diagram-frame");
    var img = view.querySelector("img.diagram");
    var tools = view.querySelector(".diagram-tools");
    var readout = view.querySelector(".diagram-zoom");
    if (!frame || !img || !tools) { return; }
    var scale = 1;

    function natural() { return img.naturalWidth || img.width || 1; }
    function apply(next, cx, cy) {
      var old = scale;
      scale = Math.max(0.1, Math.min(4, next));
      var ox = (cx === undefined ? frame.clientWidth / 2 : cx);
      var oy = (cy === undefined ? frame.clientHeight / 2 : cy);
      var x = (frame.scrollLeft + ox) / old, y = (frame.scrollTop + oy) / old;
      img.style.width = Math.round(natural() * scale) + "px";
      img.style.height = "auto";
      frame.scrollLeft = x * scale - ox;
      frame.scrollTop = y * scale - oy;
      if (readout) { readout.textContent = Math.round(scale * 100) + " %"; }
      frame.classList.toggle("pannable", frame.scrollWidth > frame.clientWidth ||
                                         frame.scrollHeight > frame.clientHeight);
    }
    function step(direction) {
      var i, next = scale;
      if (direction > 0) {
        for (i = 0; i < STEPS.length; i++) { if (STEPS[i] > scale + 0.001) { next = STEPS[i]; break; } }
      } else {
        for (i = STEPS.length - 1; i >= 0; i--) { if (STEPS[i] < scale - 0.001) { next = STEPS[i]; break; } }
      }
      return next;
    }
    function fit() { return Math.min(1, frame.clientWidth / natural()); }

    tools.hidden = false;
    tools.addEventListener("click", function (event) {
      var what = event.target.closest("[data-zoom]");
      if (!what) { return; }
      var kind = what.getAttribute("data-zoom");
      if (kind === "in") { apply(step(1)); }
      else if (kind === "out") { apply(step(-1)); }
      else if (kind === "fit") { apply(fit()); }
      else { apply(1); }
    });
    frame.addEventListener("keydown", function (event) {
      if (event.key === "+" || event.key === "=") { apply(step(1)); event.preventDefault(); }
      else if (event.key === "-") { apply(step(-1)); event.preventDefault(); }
    });
    frame.addEventListener("wheel", function (event) {
      if (!event.ctrlKey) { return; }
      var box = frame.getBoundingClientRect();
      apply(step(event.deltaY < 0 ? 1 : -1), event.clientX - box.left, event.clientY - box.top);
      event.preventDefault();
    }, { passive: false });
    var drag = null;
    frame.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) { return; }
      drag = { x: event.clientX, y: event.clientY, left: frame.scrollLeft, top: frame.scrollTop };
      frame.classList.add("panning");
      event.preventDefault();
    });
    frame.addEventListener("pointermove", function (event) {
      if (!drag) { return; }
      frame.scrollLeft = drag.left - (event.clientX - drag.x);
      frame.scrollTop = drag.top - (event.clientY - drag.y);
    });
    function stop() { drag = null; frame.classList.remove("panning"); }
    frame.addEventListener("pointerup", stop);
    frame.addEventListener("pointerleave", stop);
    img.draggable = false;
    if (img.complete) { apply(1); } else { img.addEventListener("load", function () { apply(1); }); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".diagram-view"), setUp);
  });
})();
