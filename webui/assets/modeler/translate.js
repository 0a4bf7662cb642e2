// The panel's and bpmn-js's words in the page's language: the server hands the texts over from
// its one catalogue (webui/modeler_texts.py) as config.finsam.texts.
function Translate(config) {
  const texts = (config && config.finsam && config.finsam.texts) || {};
  return function translate(template, replacements) {
    const text = Object.prototype.hasOwnProperty.call(texts, template) ? texts[template] : template;
    return text.replace(/{([^}]+)}/g, (whole, key) =>
      (replacements && key in replacements ? replacements[key] : whole));
  };
}
Translate.$inject = ["config"];

export default { translate: ["factory", Translate] };
