// The modeler bundle (built by esbuild, see package.json "build:modeler"): bpmn-js's Modeler with
// the bpmn-io properties panel and a provider for what finsam-flow reads from a diagram.
import Modeler from "bpmn-js/lib/Modeler";
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from "bpmn-js-properties-panel";
import spiffworkflow from "./spiffworkflow.json";
import FinsamProviderModule from "./provider.js";
import SwedishModule from "./translate.js";

window.FinsamModeler = {
  Modeler: Modeler,
  modules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, FinsamProviderModule,
            SwedishModule],
  moddleExtensions: { spiffworkflow: spiffworkflow }
};
// The page script (webui/static/modeler.js) also accepts the plain bpmn-js bundle's BpmnJS.
window.BpmnJS = Modeler;
