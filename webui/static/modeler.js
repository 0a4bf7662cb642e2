// The modeler page: bpmn-js (served by the app) with the server's lint as markers and as text.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("modeler");
  var form = document.getElementById("modeler-form");
  var xml = document.getElementById("xml");
  var kit = window.FinsamModeler;
  if (!box || !form || !xml || !kit) { return; }
  var status = document.getElementById("modeler-status");
  var list = document.getElementById("modeler-elements");
  var token = form.querySelector('input[name="csrf_token"]').value;
  var panel = JSON.parse(box.dataset.panel || "{}");
  // bpmn-js with the properties panel and finsam-flow's provider (webui/assets/modeler).
  var modeler = new kit.Modeler({
    container: "#modeler-canvas",
    propertiesPanel: { parent: "#modeler-panel",
                       layout: { groups: { general: { open: true }, finsam: { open: true }, timer: { open: true } } } },
    additionalModules: kit.modules, moddleExtensions: kit.moddleExtensions,
    finsam: panel
  });
  box.modeler = modeler;  // for tests and the browser console: the bpmn-js instance
  var marked = [];
  var timer = null;
  var latest = 0;

  box.hidden = false;
  document.getElementById("xml-field").hidden = true;

  function text(tag, value) { var el = document.createElement(tag); el.textContent = value; return el; }

  // The form files beside the diagram (path → JSON text), as the deploy will send them.
  function forms() {
    var found = {};
    form.querySelectorAll(".modeler-form").forEach(function (pair) {
      var path = pair.querySelector('input[name="form_path"]').value.trim();
      if (path) { found[path] = pair.querySelector('textarea[name="form_json"]').value; }
    });
    return found;
  }

  // Each form file is checked on its own as the designer types (POST /api/specs/forms/check,
  // the checks a deploy makes); its problems stand in Swedish right below its text area, which
  // they describe (aria-describedby) and mark invalid (aria-invalid).
  function showFormCheck(pair, problems, ok) {
    var area = pair.querySelector('textarea[name="form_json"]');
    var id = area.id + "-problems";
    var old = document.getElementById(id);
    if (old) { old.remove(); }
    var described = (area.getAttribute("aria-describedby") || "").split(" ")
      .filter(function (x) { return x && x !== id; });
    if (problems.length || ok) {
      var out = document.createElement(problems.length ? "ul" : "p");
      out.id = id;
      out.className = problems.length ? "form-problems" : "form-ok";
      if (problems.length) {
        problems.forEach(function (p) { out.appendChild(text("li", p.text + (p.fix ? " " + p.fix : ""))); });
      } else {
        out.textContent = box.dataset.formOk;
      }
      area.insertAdjacentElement("afterend", out);
      described.push(id);
    }
    if (described.length) { area.setAttribute("aria-describedby", described.join(" ")); }
    else { area.removeAttribute("aria-describedby"); }
    if (problems.length) { area.setAttribute("aria-invalid", "true"); } else { area.removeAttribute("aria-invalid"); }
  }

  function checkForm(pair) {
    var path = pair.querySelector('input[name="form_path"]').value.trim();
    var json = pair.querySelector('textarea[name="form_json"]').value;
    var ticket = pair.ticket = (pair.ticket || 0) + 1;
    pair.dataset.checked = "1";
    if (!json.trim()) { showFormCheck(pair, [], false); return; }
    if (!path) { showFormCheck(pair, [{ text: box.dataset.formNoPath }], false); return; }
    fetch(box.dataset.formCheckUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token, "Accept": "application/json" },
      body: JSON.stringify({ path: path, json: json })
    }).then(function (response) {
      if (response.status === 422) {
        return response.json().then(function (a) { return [{ text: a.details.path }]; });
      }
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json().then(function (a) { return a.problems || []; });
    }).then(function (problems) {
      if (ticket === pair.ticket) { showFormCheck(pair, problems, !problems.length); }
    }).catch(function () {
      if (ticket === pair.ticket) { showFormCheck(pair, [{ text: box.dataset.formCheckFailed }], false); }
    });
  }

  form.querySelectorAll(".modeler-form").forEach(function (pair) {
    var wait = null;
    pair.querySelectorAll("input, textarea").forEach(function (field) {
      field.addEventListener("input", function () {
        clearTimeout(wait);
        wait = setTimeout(function () { checkForm(pair); }, 400);
      });
    });
  });

  // The diagram's lint names a form file's problems too; a form checked on its own already
  // shows them (with where they are), so the lint's stand only beside the others.
  function renderFormProblems(problems) {
    form.querySelectorAll(".modeler-form").forEach(function (pair) {
      if (pair.dataset.checked) { return; }
      var path = pair.querySelector('input[name="form_path"]').value.trim();
      var old = pair.querySelector(".form-problems");
      if (old) { old.remove(); }
      var mine = problems.filter(function (p) { return path && p.file === path; });
      if (!mine.length) { return; }
      var ul = document.createElement("ul");
      ul.className = "form-problems";
      mine.forEach(function (p) { ul.appendChild(text("li", p.text + (p.fix ? " " + p.fix : ""))); });
      pair.appendChild(ul);
    });
  }

  // The text alternative: each element's name is a button that selects it, as a click on the
  // canvas would, and takes the keyboard to its properties. The selected one is marked.
  var panelBox = document.getElementById("modeler-panel");
  function selectedId() {
    var chosen = modeler.get("selection").get()[0];
    return chosen ? (chosen.labelTarget || chosen).id : "";
  }
  function markSelected() {
    var id = selectedId();
    list.querySelectorAll("button[data-element-id]").forEach(function (b) {
      if (b.dataset.elementId === id) { b.setAttribute("aria-current", "true"); }
      else { b.removeAttribute("aria-current"); }
    });
  }
  function pick(id) {
    var element = modeler.get("elementRegistry").get(id);
    if (!element) { return; }
    modeler.get("selection").select(element);
    if (element.parent) {  // the root (the process or collaboration) is the whole canvas
      modeler.get("canvas").scrollToElement(element);
    }
    panelBox.focus();
  }
  list.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-element-id]");
    if (button) { pick(button.dataset.elementId); }
  });
  modeler.on("selection.changed", markSelected);

  function render(problems) {
    renderFormProblems(problems);
    var focused = document.activeElement && list.contains(document.activeElement) ?
      document.activeElement.dataset.elementId : null;
    var canvas = modeler.get("canvas");
    var registry = modeler.get("elementRegistry");
    marked.forEach(function (id) { if (registry.get(id)) { canvas.removeMarker(id, "lint-problem"); } });
    marked = [];
    var byElement = {};
    problems.forEach(function (p) {
      var id = p.element_id || "";
      (byElement[id] = byElement[id] || []).push(p.text + (p.fix ? " " + p.fix : ""));
      if (id && registry.get(id)) { canvas.addMarker(id, "lint-problem"); marked.push(id); }
    });
    status.textContent = problems.length ? box.dataset.problems + " " + problems.length : box.dataset.noProblems;
    var ul = document.createElement("ul");
    ul.className = "modeler-elements";
    (byElement[""] || []).forEach(function (m) { ul.appendChild(text("li", m)); });
    registry.filter(function (e) { return e.type !== "label" && e.businessObject && e.type.indexOf("bpmn:") === 0; })
      .forEach(function (e) {
        var li = document.createElement("li");
        var name = e.businessObject.name || box.dataset.unnamed;
        var button = text("button", name);
        button.type = "button";
        button.className = "link-button element-pick";
        button.dataset.elementId = e.id;
        li.appendChild(button);
        li.appendChild(document.createTextNode(" (" + e.type.replace("bpmn:", "") + ", " + e.id + ")"));
        (byElement[e.id] || []).forEach(function (m) {
          var p = text("span", " – " + m);
          p.className = "lint-text";
          li.appendChild(p);
        });
        if (byElement[e.id]) { li.className = "has-problem"; }
        ul.appendChild(li);
      });
    list.replaceChildren(ul);
    markSelected();
    // A keyboard user on the list stays where they were while the list is drawn anew.
    var again = focused && list.querySelector('button[data-element-id="' + CSS.escape(focused) + '"]');
    if (again) { again.focus(); }
  }

  function lint() {
    var ticket = ++latest;
    modeler.saveXML({ format: true }).then(function (result) {
      xml.value = result.xml;
      return fetch(box.dataset.lintUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": token, "Accept": "application/json" },
        body: JSON.stringify({ bpmn: result.xml, forms: forms() })
      });
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (answer) {
      if (ticket === latest) { render(answer.problems || []); }
    }).catch(function () { status.textContent = box.dataset.lintFailed; });
  }

  modeler.importXML(xml.value).then(function () {
    modeler.get("canvas").zoom("fit-viewport");
    lint();
  }).catch(function () { box.hidden = true; document.getElementById("xml-field").hidden = false; });
  function later() {
    clearTimeout(timer);
    timer = setTimeout(lint, 500);
  }
  modeler.on("commandStack.changed", later);
  form.querySelectorAll(".modeler-forms input, .modeler-forms textarea").forEach(function (field) {
    field.addEventListener("input", later);
  });

  // A draft stays in this browser (localStorage) until it is deployed or overwritten.
  var draftKey = box.dataset.draftKey;
  var save = document.getElementById("draft-save");
  var open = document.getElementById("draft-open");
  function stored() { try { return window.localStorage.getItem(draftKey); } catch (e) { return null; } }
  if (stored()) { open.hidden = false; }
  save.addEventListener("click", function () {
    modeler.saveXML({ format: true }).then(function (result) {
      try { window.localStorage.setItem(draftKey, result.xml); } catch (e) { return; }
      status.textContent = save.dataset.saved;
      open.hidden = false;
    });
  });
  open.addEventListener("click", function () {
    var draft = stored();
    if (!draft) { return; }
    modeler.importXML(draft).then(function () { modeler.get("canvas").zoom("fit-viewport"); lint(); });
  });

  var submitter = null;
  form.addEventListener("click", function (event) {
    if (event.target.name === "action") { submitter = event.target; }
  });
  form.addEventListener("submit", function (event) {
    if (form.dataset.saved === "1") { return; }
    event.preventDefault();
    modeler.saveXML({ format: true }).then(function (result) {
      xml.value = result.xml;
      form.dataset.saved = "1";
      var action = document.createElement("input");
      action.type = "hidden";
      action.name = "action";
      action.value = submitter ? submitter.value : "lint";
      form.appendChild(action);
      // form.submit() ignores the button's formaction (the server draft posts elsewhere).
      if (submitter && submitter.hasAttribute("formaction")) { form.action = submitter.formAction; }
      form.submit();
    });
  });
});
