// What finsam-flow reads from a diagram, editable in the properties panel: the lane's name (who
// does the step), a user task's form file, due time and instructions (spiffworkflow extension
// elements), and the condition or default of a flow leaving a gateway.
import { CheckboxEntry, Group, SelectEntry, TextAreaEntry, TextFieldEntry,
         isCheckboxEntryEdited, isSelectEntryEdited, isTextAreaEntryEdited,
         isTextFieldEntryEdited } from "@bpmn-io/properties-panel";
import { jsx } from "@bpmn-io/properties-panel/preact/jsx-runtime";
import { useService } from "bpmn-js-properties-panel";
import { getBusinessObject, is, isAny } from "bpmn-js/lib/util/ModelUtil";

const FORM = "formJsonSchemaFilename";
const DUE = "dueIn";
const DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;

// A label (a flow's or an event's name on the canvas) is selected on its own; the properties
// are those of the element it names.
function target(element) {
  return (element && element.labelTarget) || element;
}

function extension(bo, type) {
  const values = (bo.extensionElements && bo.extensionElements.values) || [];
  return values.find((v) => is(v, type));
}

function property(bo, name) {
  const box = extension(bo, "spiffworkflow:Properties");
  return box && (box.properties || []).find((p) => p.name === name);
}

// One undoable step that creates what is missing (extensionElements, the container) and sets
// the value, through the panel's multi-command handler.
function setExtension(element, injector, type, build, update) {
  const bpmnFactory = injector.get("bpmnFactory");
  const commandStack = injector.get("commandStack");
  const bo = getBusinessObject(element);
  const commands = [];
  let extensions = bo.extensionElements;
  if (!extensions) {
    extensions = bpmnFactory.create("bpmn:ExtensionElements", { values: [] });
    extensions.$parent = bo;
    commands.push({ cmd: "element.updateModdleProperties",
                    context: { element, moddleElement: bo, properties: { extensionElements: extensions } } });
  }
  let box = extension(bo, type);
  if (!box) {
    box = build(bpmnFactory);
    box.$parent = extensions;
    commands.push({ cmd: "element.updateModdleProperties",
                    context: { element, moddleElement: extensions,
                               properties: { values: [...(extensions.values || []), box] } } });
  }
  commands.push(...update(box, bpmnFactory));
  if (commands.length) { commandStack.execute("properties-panel.multi-command-executor", commands); }
}

function setProperty(element, injector, name, value) {
  setExtension(element, injector, "spiffworkflow:Properties",
    (factory) => factory.create("spiffworkflow:Properties", { properties: [] }),
    (box, factory) => {
      const list = box.properties || [];
      const found = list.find((p) => p.name === name);
      let next;
      if (!value) {
        if (!found) { return []; }
        next = list.filter((p) => p !== found);
      } else if (found) {
        return [{ cmd: "element.updateModdleProperties",
                  context: { element, moddleElement: found, properties: { value } } }];
      } else {
        const created = factory.create("spiffworkflow:Property", { name, value });
        created.$parent = box;
        next = [...list, created];
      }
      return [{ cmd: "element.updateModdleProperties",
                context: { element, moddleElement: box, properties: { properties: next } } }];
    });
}

function PropertyEntry(props) {
  const { id, name, label, description, validate } = props;
  const element = target(props.element);
  const injector = useService("injector");
  const translate = useService("translate");
  const debounce = useService("debounceInput");
  return jsx(TextFieldEntry, {
    element, id, label: translate(label), description: description && translate(description),
    debounce, validate: validate && ((v) => validate(v, translate)),
    getValue: (el) => { const p = property(getBusinessObject(target(el)), name); return (p && p.value) || ""; },
    setValue: (value) => setProperty(element, injector, name, (value || "").trim())
  });
}

function FormEntry(props) {
  return PropertyEntry({ ...props, name: FORM, label: "Formulärfil (JSON Schema)",
    description: "Sökväg bredvid diagrammet, till exempel forms/min_uppgift.schema.json.",
    validate: (v, t) => (v && !/^[A-Za-z0-9_./-]+\.json$/.test(v) ?
      t("Ange en sökväg som slutar på .json, med bokstäverna a–z, siffror, _ - . och /.") : null) });
}

function DueEntry(props) {
  return PropertyEntry({ ...props, name: DUE, label: "Svarstid (dueIn)",
    description: "En tidslängd i ISO 8601, till exempel P30D för 30 dagar.",
    validate: (v, t) => (v && !DURATION.test(v) ?
      t("Skriv en tidslängd som P30D (30 dagar) eller PT12H (12 timmar).") : null) });
}

function InstructionsEntry(props) {
  const { id } = props;
  const element = target(props.element);
  const injector = useService("injector");
  const translate = useService("translate");
  const debounce = useService("debounceInput");
  return jsx(TextAreaEntry, {
    element, id, label: translate("Instruktioner till den som gör steget"), debounce, rows: 4,
    getValue: (el) => {
      const i = extension(getBusinessObject(target(el)), "spiffworkflow:InstructionsForEndUser");
      return (i && i.value) || "";
    },
    setValue: (value) => setExtension(element, injector, "spiffworkflow:InstructionsForEndUser",
      (factory) => factory.create("spiffworkflow:InstructionsForEndUser", { value: "" }),
      (box) => [{ cmd: "element.updateModdleProperties",
                  context: { element, moddleElement: box, properties: { value } } }])
  });
}

function LaneEntry(props) {
  const { id } = props;
  const element = target(props.element);
  const modeling = useService("modeling");
  const translate = useService("translate");
  const lanes = (useService("config.finsam") || {}).lanes || [];
  return jsx(SelectEntry, {
    element, id, label: translate("Vem gör stegen i banan"),
    getValue: (el) => getBusinessObject(target(el)).name || "",
    setValue: (value) => modeling.updateProperties(element, { name: value }),
    getOptions: (el) => {
      const now = getBusinessObject(target(el)).name || "";
      const names = lanes.indexOf(now) < 0 ? [now, ...lanes] : lanes;
      return names.map((n) => ({ value: n, label: n || translate("(välj en roll)") }));
    }
  });
}

function gatewayFlow(element) {
  return is(element, "bpmn:SequenceFlow") && element.source &&
    isAny(element.source, ["bpmn:ExclusiveGateway", "bpmn:InclusiveGateway"]);
}

function ConditionEntry(props) {
  const { id } = props;
  const element = target(props.element);
  const modeling = useService("modeling");
  const factory = useService("bpmnFactory");
  const translate = useService("translate");
  const debounce = useService("debounceInput");
  return jsx(TextFieldEntry, {
    element, id, label: translate("Villkor (uttryck)"), debounce,
    description: translate("Till exempel esf_beslut == 'beviljad'. Tomt på grindens standardflöde."),
    getValue: (el) => {
      const c = getBusinessObject(target(el)).conditionExpression;
      return (c && c.body) || "";
    },
    setValue: (value) => modeling.updateProperties(element, {
      conditionExpression: value ? factory.create("bpmn:FormalExpression", { body: value }) : undefined
    })
  });
}

function DefaultEntry(props) {
  const { id } = props;
  const element = target(props.element);
  const modeling = useService("modeling");
  const translate = useService("translate");
  return jsx(CheckboxEntry, {
    element, id, label: translate("Grindens standardflöde (annars)"),
    getValue: (el) => getBusinessObject(target(el).source).default === getBusinessObject(target(el)),
    setValue: (value) => {
      const patch = { default: value ? getBusinessObject(element) : undefined };
      if (value) { modeling.updateProperties(element, { conditionExpression: undefined }); }
      modeling.updateProperties(element.source, patch);
    }
  });
}

function entries(selected) {
  const element = target(selected);
  if (is(element, "bpmn:UserTask")) {
    return [
      { id: "finsam-form", component: FormEntry, isEdited: isTextFieldEntryEdited },
      { id: "finsam-due", component: DueEntry, isEdited: isTextFieldEntryEdited },
      { id: "finsam-instructions", component: InstructionsEntry, isEdited: isTextAreaEntryEdited }
    ];
  }
  if (is(element, "bpmn:Lane")) {
    return [{ id: "finsam-lane", component: LaneEntry, isEdited: isSelectEntryEdited }];
  }
  if (gatewayFlow(element)) {
    return [
      { id: "finsam-condition", component: ConditionEntry, isEdited: isTextFieldEntryEdited },
      { id: "finsam-default", component: DefaultEntry, isEdited: isCheckboxEntryEdited }
    ];
  }
  return [];
}

class FinsamPropertiesProvider {
  constructor(propertiesPanel, translate) {
    propertiesPanel.registerProvider(400, this);
    this._translate = translate;
  }

  getGroups(element) {
    return (groups) => {
      const own = entries(element);
      if (own.length) {
        groups.splice(1, 0, { id: "finsam", label: this._translate("Finsam-flow"),
                              component: Group, entries: own });
      }
      return groups;
    };
  }
}
FinsamPropertiesProvider.$inject = ["propertiesPanel", "translate"];

export default {
  __init__: ["finsamPropertiesProvider"],
  finsamPropertiesProvider: ["type", FinsamPropertiesProvider]
};
